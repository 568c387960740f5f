"""The gateway over HTTP with no engine running: bad input and a dead engine lose nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.config import Environment, Settings


@pytest.fixture
def client(isolated_settings: Settings) -> Iterator[TestClient]:
    settings = isolated_settings.model_copy(
        update={"rasa_url": "http://127.0.0.1:9", "actions_url": "http://127.0.0.1:9"}
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_health_shows_only_the_status_to_the_public(client: TestClient) -> None:
    """Counts tell when survivors write (review F14): no one outside sees them."""
    assert client.get("/healthz").json() == {"status": "degraded"}
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/healthz", headers=wrong).json() == {"status": "degraded"}
    assert client.get("/healthz/ready", headers=wrong).json() == {"status": "degraded"}


def test_health_shows_the_degraded_parts_to_the_engines_token(
    client: TestClient, isolated_settings: Settings
) -> None:
    token = {"Authorization": f"Bearer {isolated_settings.rasa_token}"}
    assert client.get("/healthz", headers=token).json() == {
        "status": "degraded",
        "engine": "down",
        "actions": "down",
        "database": "ok",
        "waiting_messages": 0,
        "engines": {"1": {"status": "down", "answered": 0}},
        "outbox": {"waiting": 0, "oldest_seconds": 0.0},
        "inbox": {"waiting": 0},
    }


def test_health_shows_the_details_on_loopback_but_not_through_a_proxy(
    isolated_settings: Settings,
) -> None:
    settings = isolated_settings.model_copy(update={"rasa_url": "http://127.0.0.1:9"})
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as local:
        assert local.get("/healthz").json()["waiting_messages"] == 0
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert local.get("/healthz", headers=forwarded).json() == {"status": "degraded"}


def test_liveness_asks_nothing_and_readiness_needs_an_engine(client: TestClient) -> None:
    live = client.get("/healthz/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert client.get("/healthz/ready").status_code == 503
    assert client.get("/healthz").status_code == 200  # `rahnuma run` waits on it


@pytest.mark.parametrize("environment", [Environment.TEST, Environment.PRODUCTION])
def test_no_api_schema_outside_development(
    isolated_settings: Settings, environment: Environment
) -> None:
    app = create_app(isolated_settings.model_copy(update={"environment": environment}))
    client = TestClient(app)  # not started: no lifespan, only the routes
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 404, path


def test_the_api_schema_in_development(isolated_settings: Settings) -> None:
    development = isolated_settings.model_copy(update={"environment": Environment.DEVELOPMENT})
    client = TestClient(create_app(development))
    assert client.get("/openapi.json").status_code == 200


def test_dead_engine_still_gives_emergency_numbers_in_the_persons_script(
    client: TestClient,
) -> None:
    body = {"channel": "sms", "from": "+923001112223", "text": "مجھے بچاؤ"}
    replies = client.post("/simulator/messages", json=body).json()["replies"]
    assert len(replies) == 1
    assert "15" in replies[0]["text"] and "1122" in replies[0]["text"]
    assert replies[0]["encoding"] == "UCS-2" and replies[0]["segments"] <= 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"channel": "fax", "from": "x", "text": "hi"},
        {"channel": "sms", "text": "hi"},
        {"channel": "sms", "from": "", "text": "hi"},
        {"channel": "sms", "from": "x", "text": "a" * 5000},
        {"channel": "sms", "from": "x", "text": None},
    ],
)
def test_malformed_simulator_requests_get_a_clear_422(
    client: TestClient, body: dict[str, object]
) -> None:
    response = client.post("/simulator/messages", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_simulator_is_off_unless_enabled(isolated_settings: Settings) -> None:
    settings = isolated_settings.model_copy(update={"simulator_enabled": False})
    with TestClient(create_app(settings)) as client:
        body = {"channel": "sms", "from": "x", "text": "hi"}
        assert client.post("/simulator/messages", json=body).status_code == 404


def test_keywords_answer_without_the_engine(client: TestClient) -> None:
    body = {"channel": "telegram", "from": "777", "text": "HELP"}
    replies = client.post("/simulator/messages", json=body).json()["replies"]
    assert "LANGUAGE" in replies[0]["text"]
