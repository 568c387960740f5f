"""The console's routes: every page under /console, none in the API schema; the time zone
of the staff hours on every page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.console import console_router
from bot.console.rendering import templates

PAGES = [
    ("GET", "/console"),
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("POST", "/console/logout"),
    ("GET", "/console/queue"),
    ("GET", "/console/queue/rows"),
    ("GET", "/console/events"),
    ("GET", "/console/tickets/1"),
    ("GET", "/console/tickets/1/messages"),
    ("POST", "/console/tickets/1/claim"),
    ("POST", "/console/tickets/1/reply"),
    ("POST", "/console/tickets/1/summary"),
    ("POST", "/console/tickets/1/close"),
    ("GET", "/console/audit"),
    ("GET", "/console/staff"),
    ("POST", "/console/staff"),
    ("POST", "/console/staff/1/active"),
    ("POST", "/console/staff/1/password"),
    ("GET", "/console/password"),
    ("POST", "/console/password"),
]


@pytest.fixture
def bare(isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Only the console's routes, without the gateway's parts: a page that exists fails (500),
    one that doesn't is 404 or 405."""
    monkeypatch.setitem(templates.env.filters, "local", templates.env.filters.get("local"))
    app = FastAPI()
    app.include_router(console_router(isolated_settings))
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_every_page_is_under_console(bare: TestClient, method: str, path: str) -> None:
    assert bare.request(method, path).status_code not in (404, 405)


def test_nothing_else_is(bare: TestClient) -> None:
    assert bare.get("/queue").status_code == 404
    assert bare.get("/console/tickets/1/claim").status_code == 405


def test_the_console_is_kept_out_of_the_api_schema(bare: TestClient) -> None:
    assert bare.app.openapi()["paths"] == {}  # type: ignore[attr-defined]


def test_pages_show_times_in_the_staff_hours_zone(
    isolated_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(templates.env.filters, "local", templates.env.filters.get("local"))
    moment = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
    console_router(isolated_settings)  # Asia/Karachi, as the tests' staff hours say
    assert templates.env.filters["local"](moment) == "01 Mar 15:30"
    broken = tmp_path / "broken.yml"
    broken.write_text("timezone: Nowhere/Atlantis\n", encoding="utf-8")
    console_router(isolated_settings.model_copy(update={"staff_hours_file": broken}))
    assert templates.env.filters["local"](moment) == "01 Mar 10:30"  # UTC, rather than none
