"""Start and stop the three processes of a local deployment: engine, actions, gateway.

`rahnuma run` and the end-to-end tests use the same launcher, so what the tests exercise
is what a newcomer runs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx
import yaml
from sqlalchemy.engine import make_url

from bot.config import ACTIONS_PACKAGE, ROOT, Settings

log = logging.getLogger(__name__)

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# Rasa, with what people write kept out of its logs (engine/private_rasa.py).
PRIVATE_RASA = [
    str(ROOT / ".venv-rasa" / "bin" / "python"),
    str(ROOT / "engine" / "private_rasa.py"),
]
MODEL = ROOT / "models" / "rahnuma.tar.gz"
# What the action server never holds (bot/config.py, `holds_keys`).
_KEY_VARIABLES = (
    "RAHNUMA_PSEUDONYM_KEY",
    "RAHNUMA_ADDRESS_KEY",
    "RAHNUMA_RASA_TOKEN",
    "RAHNUMA_TWILIO_ACCOUNT_SID",
    "RAHNUMA_TWILIO_AUTH_TOKEN",
    "RAHNUMA_TELEGRAM_BOT_TOKEN",
    "RAHNUMA_TELEGRAM_WEBHOOK_SECRET",
)


@dataclass
class Ports:
    gateway: int = 8000
    engine: int = 5005
    actions: int = 5055
    more_engines: tuple[int, ...] = ()  # further Rasa replicas (they need the Redis lock store)
    learner: int = 0  # the learner service (scripts/learner.py), as docker-compose runs it

    @property
    def engines(self) -> list[int]:
        return [self.engine, *self.more_engines]


def tracker_store_endpoint(url: str) -> dict[str, object]:
    """Rasa's SQL tracker store settings for a SQLAlchemy URL (SQLite or PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": parsed.database}
    return {
        "type": "SQL",
        "dialect": "postgresql",
        "url": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "username": parsed.username or "",
        "password": parsed.password or "",
        "db": parsed.database,
    }


def lock_store_endpoint(url: str) -> dict[str, object]:
    """Rasa's Redis lock store: one person's messages in order across engine replicas."""
    parsed = make_url(url)
    return {
        "type": "redis",
        "url": parsed.host or "127.0.0.1",
        "port": parsed.port or 6379,
        "password": parsed.password or None,
        "db": int(parsed.database or 0),
        "key_prefix": "rahnuma",
    }


# Rasa reads ${…} in endpoints files from its environment: the token is not written to disk.
ACTIONS_AUTHORIZATION = "Bearer ${RAHNUMA_ACTIONS_TOKEN}"


def write_endpoints(path: Path, settings: Settings, actions_port: int) -> Path:
    """The engine's endpoints file: our action server (with the token it answers to), the SQL
    tracker store, and the Redis lock store when replicas share the conversations."""
    endpoints: dict[str, object] = {
        "action_endpoint": {
            "url": f"http://127.0.0.1:{actions_port}/webhook",
            "headers": {"Authorization": ACTIONS_AUTHORIZATION},
        },
        "tracker_store": tracker_store_endpoint(settings.tracker_db_url),
    }
    if settings.redis_url:
        endpoints["lock_store"] = lock_store_endpoint(settings.redis_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


@dataclass
class Stack:
    """The engine, the action server and the gateway as child processes."""

    settings: Settings
    ports: Ports = field(default_factory=Ports)
    workdir: Path = ROOT / "var"
    model: Path = MODEL
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: dict[str, BinaryIO] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.settings.database_url,
                "RAHNUMA_TRACKER_DB_URL": self.settings.tracker_db_url,
                "RAHNUMA_ENVIRONMENT": str(self.settings.environment),
                "RAHNUMA_RASA_URL": ",".join(self.engine_urls()),
                "RAHNUMA_REDIS_URL": self.settings.redis_url,
                "RAHNUMA_RASA_TOKEN": self.settings.rasa_token,
                "RAHNUMA_ACTIONS_URL": f"http://127.0.0.1:{self.ports.actions}",
                "RAHNUMA_LOCALES_DIR": str(self.settings.locales_dir),
                "RAHNUMA_PUBLISHED_DIR": str(self.settings.published_dir),
                "RAHNUMA_CONTENT_DIR": str(self.settings.content_dir),
                "RAHNUMA_DIALOGUES_DIR": str(self.settings.dialogues_dir),
                "RAHNUMA_MODEL_FILE": str(self.settings.model_file),
                "RAHNUMA_LEARNER_URL": self.settings.learner_url,
                "LEARNER_ROOTS": f"{self.settings.model_file.parent}:{self.settings.dialogues_dir}",
                "RAHNUMA_RETENTION_DAYS": str(self.settings.retention_days),
                "RAHNUMA_PSEUDONYM_KEY": self.settings.pseudonym_key,
                "RAHNUMA_ADDRESS_KEY": self.settings.address_key,
                "RAHNUMA_PUBLIC_URL": self.settings.public_url,
                "RAHNUMA_TWILIO_ACCOUNT_SID": self.settings.twilio_account_sid,
                "RAHNUMA_TWILIO_AUTH_TOKEN": self.settings.twilio_auth_token,
                "RAHNUMA_TWILIO_FROM_NUMBER": self.settings.twilio_from_number,
                "RAHNUMA_TWILIO_API_URL": self.settings.twilio_api_url,
                "RAHNUMA_TELEGRAM_BOT_TOKEN": self.settings.telegram_bot_token,
                "RAHNUMA_TELEGRAM_WEBHOOK_SECRET": self.settings.telegram_webhook_secret,
                "RAHNUMA_TELEGRAM_API_URL": self.settings.telegram_api_url,
                "RAHNUMA_REDELIVERY_INTERVAL_SECONDS": str(
                    self.settings.redelivery_interval_seconds
                ),
                "RAHNUMA_STAFF_HOURS_FILE": str(self.settings.staff_hours_file),
                "RAHNUMA_HANDOFF_SILENCE_HOURS": str(self.settings.handoff_silence_hours),
                "RAHNUMA_ENGINE_TIMEOUT_SECONDS": str(self.settings.engine_timeout_seconds),
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.settings.retrain_epoch_fraction is not None:
            env["RAHNUMA_RETRAIN_EPOCH_FRACTION"] = str(self.settings.retrain_epoch_fraction)
        return env

    def env_for(self, part: str) -> dict[str, str]:
        """What one part is started with: the action server gets no key or provider token
        (it seals nothing and names nobody), and only it and the engines get its token."""
        env = self.env()
        if part == "actions":
            for name in _KEY_VARIABLES:
                env.pop(name, None)
            env["RAHNUMA_HOLDS_KEYS"] = "false"
        if part == "actions" or part.startswith("engine"):
            env["RAHNUMA_ACTIONS_TOKEN"] = self.settings.actions_token
        else:
            env.pop("RAHNUMA_ACTIONS_TOKEN", None)
        return env

    def start(self, *, engine: bool = True, actions: bool = True, gateway: bool = True) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if actions:  # on loopback, answering only the engines' token (actions/server.py)
            self._spawn("actions", [sys.executable, "-m", f"{ACTIONS_PACKAGE}.server",
                                    "--host", "127.0.0.1",
                                    "--port", str(self.ports.actions)])  # fmt: skip
        if engine:
            self.start_engine()
        if self.ports.learner:
            learner = str(ROOT / "scripts" / "learner.py")
            self._spawn("learner", [PRIVATE_RASA[0], learner, "--host", "127.0.0.1",
                                    "--port", str(self.ports.learner)])  # fmt: skip
        if gateway:
            self._spawn("gateway", [sys.executable, "-m", "uvicorn", "bot.app:create_app",
                                    "--factory", "--host", "127.0.0.1", "--no-access-log",
                                    # open live-update streams must not hold up a stop
                                    "--timeout-graceful-shutdown", "5",
                                    "--port", str(self.ports.gateway)])  # fmt: skip

    def engine_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.engines]

    @staticmethod
    def engine_name(number: int) -> str:
        return "engine" if number == 1 else f"engine-{number}"

    def start_engine(self, only: int | None = None) -> None:
        """Every engine replica, or replica number `only`."""
        if not RASA.exists():
            raise RuntimeError(f"{RASA} is missing: run `make install`")
        if not self.model.exists():
            raise RuntimeError(f"{self.model} is missing: run `make train`")
        endpoints = write_endpoints(
            self.workdir / "endpoints.yml", self.settings, self.ports.actions
        )
        for number, port in enumerate(self.ports.engines, start=1):
            if only is not None and number != only:
                continue
            self._spawn(self.engine_name(number), [
                *PRIVATE_RASA, "run", "--enable-api", "--auth-token", self.settings.rasa_token,
                "--model", str(self.model), "--endpoints", str(endpoints),
                "--credentials", str(ROOT / "dialogues" / "credentials.yml"),
                "--interface", "127.0.0.1", "--port", str(port),
            ])  # fmt: skip

    def _spawn(self, name: str, command: list[str]) -> None:
        logfile = self._logs[name] = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own fixed commands
            command, cwd=ROOT, env=self.env_for(name), stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        )  # fmt: skip

    def wait_healthy(self, timeout: float = 180.0) -> None:
        """Block until every started part answers; raise with the failing part's log tail."""
        checks = {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "gateway": f"http://127.0.0.1:{self.ports.gateway}/healthz",
        }
        for number, url in enumerate(self.engine_urls(), start=1):
            checks[self.engine_name(number)] = f"{url}/"
        if self.ports.learner:
            checks["learner"] = f"http://127.0.0.1:{self.ports.learner}/health"
        deadline = time.monotonic() + timeout
        waiting = [name for name in checks if name in self.processes]
        while waiting:
            for name in list(waiting):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                    )
                try:
                    if httpx.get(checks[name], timeout=2.0).status_code == 200:
                        waiting.remove(name)
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {', '.join(waiting)}")
            time.sleep(0.5)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def kill(self, name: str) -> None:
        """Kill one part at once, as a crash would (no clean shutdown)."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log_file = self._logs.pop(name, None)
        if log_file is not None:
            log_file.close()

    def stop(self, name: str | None = None) -> None:
        """Stop one part, or all in reverse start order: gateway, engine, actions."""
        names = [name] if name else list(reversed(self.processes))
        for part in names:
            process = self.processes.pop(part, None)
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log_file = self._logs.pop(part, None)
            if log_file is not None:
                log_file.close()
