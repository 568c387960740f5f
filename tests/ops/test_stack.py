"""The launcher's endpoints file: what the engine is told about its stores and actions.

Starting the processes themselves is exercised by the end-to-end tests (tests/e2e/).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT, Settings
from bot.ops.stack import Stack, lock_store_endpoint, tracker_store_endpoint, write_endpoints

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def test_the_tracker_store_follows_the_database_url() -> None:
    assert tracker_store_endpoint("sqlite:////tmp/tracker.db") == {
        "type": "SQL", "dialect": "sqlite", "db": "/tmp/tracker.db",
    }  # fmt: skip
    assert tracker_store_endpoint("postgresql+psycopg2://rasa:pw@db:5433/tracker") == {
        "type": "SQL", "dialect": "postgresql", "url": "db", "port": 5433,
        "username": "rasa", "password": "pw", "db": "tracker",
    }  # fmt: skip


def test_the_lock_store_follows_the_redis_url() -> None:
    assert lock_store_endpoint("redis://:secret@cache:6380/2") == {
        "type": "redis", "url": "cache", "port": 6380, "password": "secret", "db": 2,
        "key_prefix": "rahnuma",
    }  # fmt: skip
    assert lock_store_endpoint("redis://cache")["port"] == 6379


def test_a_lock_store_only_when_replicas_share_redis(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    path = write_endpoints(tmp_path / "endpoints.yml", isolated_settings, 5055)
    endpoints = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"
    assert endpoints["tracker_store"]["dialect"] == "sqlite"
    assert "lock_store" not in endpoints
    shared = isolated_settings.model_copy(update={"redis_url": "redis://cache:6379/0"})
    endpoints = yaml.safe_load(write_endpoints(path, shared, 5055).read_text(encoding="utf-8"))
    assert endpoints["lock_store"]["url"] == "cache"


def action_endpoint_as_rasa_reads(path: Path, env: dict[str, str]) -> dict[str, object]:
    """The action endpoint as Rasa 3.6 itself reads the file (its own `${…}` expansion)."""
    if not RASA_PYTHON.exists():
        pytest.skip("no .venv-rasa: `make install` makes it")
    code = (
        "import json, sys\n"
        "from rasa.utils.endpoints import read_endpoint_config\n"
        "found = read_endpoint_config(sys.argv[1], 'action_endpoint')\n"
        "print(json.dumps({'url': found.url, 'headers': found.headers}))\n"
    )
    done = subprocess.run([str(RASA_PYTHON), "-c", code, str(path)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_engine_sends_the_action_servers_token_without_writing_it_down(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    """The action server answers only this header (actions/server.py); the file names the
    variable, and Rasa reads the value from the engine's environment."""
    path = write_endpoints(tmp_path / "endpoints.yml", isolated_settings, 5055)
    assert isolated_settings.actions_token not in path.read_text(encoding="utf-8")
    read = action_endpoint_as_rasa_reads(path, {"RAHNUMA_ACTIONS_TOKEN": "the-real-token"})
    assert read["headers"] == {"Authorization": "Bearer the-real-token"}


def test_the_action_server_gets_no_keys_and_only_it_and_the_engines_get_its_token(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    stack = Stack(isolated_settings, workdir=tmp_path)
    actions, engine, gateway = (stack.env_for(p) for p in ("actions", "engine-2", "gateway"))
    assert actions["RAHNUMA_HOLDS_KEYS"] == "false"
    for key in ("RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_ADDRESS_KEY", "RAHNUMA_RASA_TOKEN",
                "RAHNUMA_TELEGRAM_BOT_TOKEN", "RAHNUMA_TWILIO_AUTH_TOKEN"):  # fmt: skip
        assert key not in actions, key
        assert key in gateway, key
    token = isolated_settings.actions_token
    assert actions["RAHNUMA_ACTIONS_TOKEN"] == engine["RAHNUMA_ACTIONS_TOKEN"] == token
    assert "RAHNUMA_ACTIONS_TOKEN" not in gateway
