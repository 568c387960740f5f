"""The launcher's endpoints file: what the engine is told about its stores and actions.

Starting the processes themselves is exercised by the end-to-end tests (tests/e2e/).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import Settings
from bot.ops.stack import lock_store_endpoint, tracker_store_endpoint, write_endpoints


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
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:5055/webhook"}
    assert endpoints["tracker_store"]["dialect"] == "sqlite"
    assert "lock_store" not in endpoints
    shared = isolated_settings.model_copy(update={"redis_url": "redis://cache:6379/0"})
    endpoints = yaml.safe_load(write_endpoints(path, shared, 5055).read_text(encoding="utf-8"))
    assert endpoints["lock_store"]["url"] == "cache"
