"""The floor: a `rasa init`-sized Rasa 3.6.21 bot (bench/floor_bot/) served beside ours.

Trained during the bench into a temporary folder (Rasa's own cache makes a second run
replay it), served with the same launcher (engine/private_rasa.py), flags, SQL tracker store
(PostgreSQL, a database of its own) and Redis lock store as our engine, so that what our
engine costs beyond it is what our model, domain and patches cost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.ops.stack import PRIVATE_RASA, RASA, lock_store_endpoint, tracker_store_endpoint

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT / "bench" / "floor_bot"
# Outside the checkout, like the Makefile's cache for ours, and apart from it: the floor's
# entries never push ours out of Rasa's size-limited cache.
FLOOR_CACHE = Path.home() / ".cache" / "rahnuma" / "rasa-training-floor"
RASA_PYTHON = PRIVATE_RASA[0]


def train_floor(out: Path) -> tuple[Path, float]:
    """The floor bot's model in `out`, and the seconds training (or replaying) took."""
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(FLOOR_CACHE),
           "RASA_TELEMETRY_ENABLED": "false"}  # fmt: skip
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command
        [str(RASA), "train", "--domain", "domain.yml", "--config", "config.yml", "--data",
         "data", "--out", str(out), "--fixed-model-name", "floor"],
        cwd=FLOOR, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return out / "floor.tar.gz", round(time.perf_counter() - started, 1)


def floor_endpoints(path: Path, *, tracker_db_url: str, redis_url: str, actions_port: int) -> Path:
    """bench/floor_bot/endpoints.yml with this run's ports, database and Redis, from the
    functions that write our engine's: the same stores, set up the same way."""
    endpoints = yaml.safe_load((FLOOR / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints["tracker_store"] = tracker_store_endpoint(tracker_db_url)
    endpoints["lock_store"] = {**lock_store_endpoint(redis_url), "key_prefix": "floor"}
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def engine_command(
    model: Path, endpoints: Path, credentials: Path, port: int, token: str
) -> list[str]:
    """How bot/ops/stack.py starts an engine: the same for ours and the floor's."""
    return [*PRIVATE_RASA, "run", "--enable-api", "--auth-token", token, "--model", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials),
            "--interface", "127.0.0.1", "--port", str(port)]  # fmt: skip


@dataclass
class Process:
    """A child process with its log, stopped as bot/ops/stack.py stops its parts."""

    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def spawn(command: list[str], *, log: Path, env: dict[str, str], cwd: Path = ROOT) -> Process:
    with log.open("ab") as out:
        popen = subprocess.Popen(  # noqa: S603 - our own fixed commands
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Process(popen, log)


def wait_ready(process: Process, url: str, token: str, timeout: float = 300) -> float:
    """Seconds from now until the engine has its model loaded (its /status answers 200)."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while True:
        if process.popen.poll() is not None:
            tail = process.log.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError("an engine exited while starting:\n" + "\n".join(tail))
        try:
            if httpx.get(f"{url}/status", params={"token": token}, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not ready after {timeout:.0f}s")
        time.sleep(0.2)


def start_seconds(command: list[str], *, url: str, token: str, log: Path,
                  env: dict[str, str]) -> float:  # fmt: skip
    """From the launcher's start until the model serves, then stopped again."""
    started = time.perf_counter()
    process = spawn(command, log=log, env=env)
    try:
        wait_ready(process, url, token)
        return round(time.perf_counter() - started, 1)
    finally:
        process.stop()


def start_times(starts: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each engine started alone, taking turns (ours, floor, ours, floor...), so that a slow
    minute of a shared machine falls on both."""
    out: dict[str, list[float]] = {name: [] for name in starts}
    for _ in range(rounds):
        for name, start in starts.items():
            out[name].append(start())
    return out


@contextmanager
def serve_floor(model: Path, endpoints: Path, *, port: int, actions_port: int, token: str,
                workdir: Path) -> Iterator[str]:  # fmt: skip
    """The floor bot's action server (rasa_sdk, in the engine's environment) and engine."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
    actions = spawn([RASA_PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port",
                     str(actions_port)], log=workdir / "floor-actions.log", env=env,
                    cwd=FLOOR)  # fmt: skip
    command = engine_command(model, endpoints, FLOOR / "credentials.yml", port, token)
    engine = spawn(command, log=workdir / "floor-engine.log", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(engine, url, token)
        yield url
    finally:
        engine.stop()
        actions.stop()


def interleaved_p50(
    senders: dict[str, Callable[[str, str], Any]],
    script: list[str],
    survivors: int,
    prepare: dict[str, Callable[[str], None]] | None = None,
) -> dict[str, list[float]]:
    """Each survivor's script sent to every bot in turn, message by message, one at a time:
    both bots see the same minute of the machine. Seconds per message, per bot; `prepare`
    readies a bot's conversation first (untimed)."""
    latencies: dict[str, list[float]] = {name: [] for name in senders}
    run = time.monotonic_ns()
    for number in range(survivors):
        for ready in (prepare or {}).values():
            ready(f"floor-{run}-{number}")
        for words in script:
            for name, send in senders.items():
                started = time.perf_counter()
                send(f"floor-{run}-{number}", words)
                latencies[name].append(time.perf_counter() - started)
    return latencies
