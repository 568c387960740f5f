"""The action server answers the engine only, on loopback unless told, and holds no keys
(security review F11): anyone else who reaches its port could open a ticket in a person's
name and pause their bot."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sanic import Request
from sanic.compat import Header

from actions.server import only_the_engine
from bot.config import ROOT, Settings
from bot.ops.stack import write_endpoints

TOKEN = secrets.token_urlsafe(32)


def _asked(path: str, headers: dict[str, str]) -> int | None:
    """The middleware's answer to one request: None lets it through, else the status."""
    request = Request(path.encode(), Header(headers), "1.1", "POST", None, None)  # type: ignore[arg-type]
    refused = asyncio.run(only_the_engine(TOKEN)(request))
    return None if refused is None else refused.status


def test_only_the_engines_token_reaches_the_actions() -> None:
    assert _asked("/webhook", {"authorization": f"Bearer {TOKEN}"}) is None
    assert _asked("/webhook", {}) == 401
    assert _asked("/webhook", {"authorization": "Bearer "}) == 401
    assert _asked("/webhook", {"authorization": f"Bearer {TOKEN}x"}) == 401
    assert _asked("/webhook", {"authorization": TOKEN}) == 401
    assert _asked("/actions", {}) == 401  # the list of actions too
    assert _asked("/health", {}) is None  # says "ok", nothing more: health checks need no token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m actions.server` as compose runs it: production, no key, its own token."""
    folder = tmp_path_factory.mktemp("actions")
    port = _free_port()
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        RAHNUMA_ENVIRONMENT="production",
        RAHNUMA_HOLDS_KEYS="false",
        RAHNUMA_ACTIONS_TOKEN=TOKEN,
        RAHNUMA_ORGANISATION_NAME="Sahil Trust",
        RAHNUMA_SECRETS_DIR=str(folder / "no-secrets"),
        DATABASE_URL=f"sqlite:///{folder / 'gateway.db'}",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    log = (folder / "actions.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process, folder / "actions.log")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the action server exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    pytest.fail("the action server did not start")


def _greeting() -> dict[str, object]:
    """What the engine posts to run `action_greet` for a new person."""
    return {
        "next_action": "action_greet",
        "sender_id": "p_test",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "p_test",
            "slots": {},
            "latest_message": {
                "intent": {"name": "greet"},
                "entities": [],
                "text": "salam",
                "metadata": {"language": "en", "channel": "sms"},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_a_call_without_the_engines_token_is_refused(server: str) -> None:
    assert httpx.post(f"{server}/webhook", json=_greeting()).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert httpx.post(f"{server}/webhook", json=_greeting(), headers=wrong).status_code == 401
    assert httpx.get(f"{server}/actions").status_code == 401


def test_the_engine_is_answered_by_a_server_without_keys(server: str) -> None:
    """Production, no pseudonym or address key, no provider token: the actions still run."""
    answer = httpx.post(
        f"{server}/webhook", json=_greeting(), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["responses"]


def test_it_listens_on_loopback_unless_told(server: str) -> None:
    """`rahnuma run` on a laptop in a shared network: nobody else reaches it."""
    port = int(server.rsplit(":", 1)[1])
    listening = Path("/proc/net/tcp")
    if not listening.exists():
        pytest.skip("no /proc/net/tcp on this system")
    rows = [line.split() for line in listening.read_text().splitlines()[1:]]
    local = [row[1] for row in rows if row[3] == "0A" and int(row[1].split(":")[1], 16) == port]
    assert local == ["0100007F:" + f"{port:04X}"]


def test_the_production_server_refuses_to_start_with_the_development_token(
    tmp_path: Path,
) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
           "RAHNUMA_ENVIRONMENT": "production", "RAHNUMA_HOLDS_KEYS": "false",
           "RAHNUMA_ORGANISATION_NAME": "Sahil Trust", "RAHNUMA_SECRETS_DIR": str(tmp_path)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", str(_free_port())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "RAHNUMA_ACTIONS_TOKEN is the development default" in done.stderr


def test_rasa_calls_it_with_the_token_from_the_engines_endpoints(
    server: str, tmp_path: Path, isolated_settings: Settings
) -> None:
    """Rasa 3.6's own client, configured by the endpoints file `rahnuma run` writes, is
    answered; with another token in the engine's environment it is refused."""
    rasa_python = ROOT / ".venv-rasa" / "bin" / "python"
    if not rasa_python.exists():
        pytest.skip("no .venv-rasa: `make install` makes it")
    port = int(server.rsplit(":", 1)[1])
    endpoints = write_endpoints(tmp_path / "endpoints.yml", isolated_settings, port)
    code = (
        "import asyncio, json, sys\n"
        "from rasa.utils.endpoints import read_endpoint_config\n"
        "endpoint = read_endpoint_config(sys.argv[1], 'action_endpoint')\n"
        "async def call():\n"
        "    try:\n"
        "        answer = await endpoint.request(json=json.loads(sys.argv[2]), method='post')\n"
        "        print('answered', len(answer['responses']))\n"
        "    except Exception as error:\n"
        "        print('refused', getattr(error, 'status', type(error).__name__))\n"
        "asyncio.run(call())\n"
    )

    def engine_calls(token: str) -> str:
        done = subprocess.run(
            [str(rasa_python), "-c", code, str(endpoints), json.dumps(_greeting())],
            env={"RAHNUMA_ACTIONS_TOKEN": token, "PATH": os.environ.get("PATH", "")},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    assert engine_calls(TOKEN).startswith("answered")
    assert engine_calls("not-the-token") == "refused 401"
