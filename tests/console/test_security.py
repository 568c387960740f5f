"""Security headers on every console page, and a page body the CSP would not break."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.console.security import CONTENT_SECURITY_POLICY
from tests.console.conftest import claim, person_asking_for_help, signed_in


def test_console_pages_carry_strict_security_headers(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    for url in ["/console/login", "/console/queue"]:
        headers = amina.get(url).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(app: FastAPI, gateway: TestClient) -> None:
    """The CSP forbids them; one would silently break the page in a real browser."""
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    for url in ["/console/queue", f"/console/tickets/{person.ticket_id}", "/console/login"]:
        html = amina.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html and " on" + "click=" not in html


def test_console_errors_are_pages_and_other_errors_json(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    page = amina.get("/console/tickets/99999")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no such ticket for you" in page.text
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    api = gateway.get("/no-such-endpoint")
    assert (api.status_code, api.json()) == (404, {"detail": "Not Found"})
