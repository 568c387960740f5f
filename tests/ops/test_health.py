"""Readiness on the real database kinds: 200 with the database and an engine, 503 without."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from bot.app import Transports, create_app
from bot.config import get_settings
from bot.store import Database
from tests.auxil.fake_engine import FakeEngine


def test_ready_with_the_database_and_an_engine_and_not_without(database: Database) -> None:
    engine = FakeEngine()
    settings = get_settings().model_copy(update={"rasa_url": "http://rasa.test"})
    app = create_app(settings, Transports(engine_http=httpx.MockTransport(engine.handler)))
    with TestClient(app) as client:
        ready = client.get("/healthz/ready")
        assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
        engine.down = True
        assert client.get("/healthz/ready").status_code == 503
        engine.down = False
        _lose_the_database(app)
        assert client.get("/healthz/ready").status_code == 503
        assert client.get("/healthz/live").status_code == 200  # nothing to restart for


def test_ready_shows_the_parts_to_the_engines_token(database: Database) -> None:
    engine = FakeEngine()
    settings = get_settings().model_copy(update={"rasa_url": "http://rasa.test"})
    app = create_app(settings, Transports(engine_http=httpx.MockTransport(engine.handler)))
    token = {"Authorization": f"Bearer {settings.rasa_token}"}
    with TestClient(app) as client:
        body = client.get("/healthz/ready", headers=token).json()
    assert body["status"] == "ok"
    assert (body["database"], body["engine"]) == ("ok", "ok")
    assert body["engines"] == {"1": {"status": "ok", "answered": 0}}


def _lose_the_database(app: FastAPI) -> None:
    """Point the running gateway's health check at a database no one listens for."""
    app.state.db = SimpleNamespace(
        engine=create_engine("postgresql+psycopg2://nobody@127.0.0.1:9/x")
    )
