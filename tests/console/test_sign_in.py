"""Signing in and out of the console: the form's own token, a fresh session every time,
the cookie's flags, and an audit trail without what was typed."""

from __future__ import annotations

import asyncio
import html
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.config import Settings
from bot.console import sign_in as sign_in_page
from bot.console.access import HOST_SESSION_COOKIE, SESSION_COOKIE
from bot.console.sign_in import DEVICE_COOKIE, LOGIN_PROBLEMS
from bot.store import AuditEntry, Database
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.console.conftest import (
    PASSWORD,
    add_staff_accounts,
    browser,
    csrf,
    form_token,
    make_app,
    sign_in,
    signed_in,
)


def test_wrong_password_and_unknown_name_look_the_same(app: FastAPI, gateway: TestClient) -> None:
    wrong = sign_in(browser(app), "amina", "not the password")
    unknown = sign_in(browser(app), "nobody", "not the password")
    assert (
        wrong.headers["location"] == unknown.headers["location"] == "/console/login?problem=wrong"
    )
    assert SESSION_COOKIE not in wrong.cookies


def test_a_new_session_at_every_sign_in_defeats_fixation(app: FastAPI, gateway: TestClient) -> None:
    """A cookie planted before sign-in (by someone who wants to ride the session) is dropped."""
    victim = browser(app)
    victim.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", path="/console")
    issued = sign_in(victim, "amina").cookies[SESSION_COOKIE]
    assert issued != "planted-by-an-attacker"
    attacker = browser(app)
    attacker.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", path="/console")
    assert attacker.get("/console/queue").status_code == 303  # still signed out
    # Signing in again replaces a valid session too: the old token stops working.
    again = sign_in(victim, "amina").cookies[SESSION_COOKIE]
    stale = browser(app)
    stale.cookies.set(SESSION_COOKIE, issued, path="/console")
    assert again != issued and stale.get("/console/queue").status_code == 303


def test_session_cookie_is_httponly_and_strict(app: FastAPI, gateway: TestClient) -> None:
    header = sign_in(browser(app), "amina").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "path=/console" in header


def cookie_set(response: Any, name: str) -> str:
    """The Set-Cookie line for one cookie, lower-cased."""
    lines = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(lines) == 1, response.headers.get_list("set-cookie")
    return str(lines[0]).lower()


def test_the_session_cookie_ends_with_the_browser(app: FastAPI, gateway: TestClient) -> None:
    """No Max-Age or Expires: closing the browser on a shared PC ends it (review F19h); the
    server's 30-minute idle and 12-hour limits still apply (test_auth.py)."""
    header = cookie_set(sign_in(browser(app), "amina"), SESSION_COOKIE)
    assert "max-age" not in header and "expires" not in header
    assert "max-age" in cookie_set(sign_in(browser(app), "amina"), DEVICE_COOKIE)  # remembered


def test_over_https_the_session_cookie_is_host_only(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> None:
    """Where cookies are Secure (production), the browser keeps a `__Host-` cookie to this
    host, Path=/ and no Domain: a sibling subdomain can't plant or shadow it (review F19h)."""
    app = make_app(channel_settings, providers, engine, database, console_secure_cookies=True)
    with TestClient(app, base_url="https://testserver"):
        add_staff_accounts(app)
        client = TestClient(
            app, base_url="https://testserver", follow_redirects=False,
            headers={"accept": "text/html"},
        )  # fmt: skip
        signed = sign_in(client, "amina")
        header = cookie_set(signed, HOST_SESSION_COOKIE)
        assert "path=/;" in header and "secure" in header and "domain" not in header
        assert "max-age" not in header and "expires" not in header
        assert client.get("/console/queue").status_code == 200
        token = client.cookies.get(HOST_SESSION_COOKIE)
        tossed = TestClient(app, base_url="https://testserver", follow_redirects=False)
        tossed.cookies.set(SESSION_COOKIE, token or "", path="/console")
        assert tossed.get("/console/queue").status_code != 200  # only the prefixed name counts
        out = client.post("/console/logout", data={"csrf": csrf(client)})
        gone = cookie_set(out, HOST_SESSION_COOKIE)
        assert "path=/;" in gone and "secure" in gone and "max-age=0" in gone


def test_the_sign_in_page_never_reuses_a_token_it_did_not_mint(
    app: FastAPI, gateway: TestClient
) -> None:
    """A login cookie planted from a sibling subdomain is replaced, not adopted (F19i)."""
    planted = {"cookie": "rahnuma_login=planted-by-a-sibling-site"}
    page = browser(app).get("/console/login", headers=planted)
    first = form_token(page.text)
    assert first != "planted-by-a-sibling-site"
    assert cookie_set(page, "rahnuma_login").startswith(f"rahnuma_login={first.lower()};")
    again = browser(app).get("/console/login", headers=planted)
    assert form_token(again.text) not in (first, "planted-by-a-sibling-site")


def test_sign_in_needs_the_forms_token(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "amina", "password": PASSWORD, "csrf": "forged"}
    )
    assert response.headers["location"] == "/console/login?problem=expired"


def test_sign_out_ends_the_session(app: FastAPI, gateway: TestClient) -> None:
    client = signed_in(app, "amina")
    token = csrf(client)
    cookie = client.cookies.get(SESSION_COOKIE, path="/console")
    assert client.post("/console/logout", data={"csrf": token}).status_code == 303
    replay = browser(app)
    replay.cookies.set(SESSION_COOKIE, cookie or "", path="/console")
    assert replay.get("/console/queue").status_code == 303  # the old cookie is worthless


def test_sign_ins_are_audited_without_what_was_typed(app: FastAPI, gateway: TestClient) -> None:
    sign_in(browser(app), "amina", "typo-password")
    signed_in(app, "amina")
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert [e.action for e in entries] == ["sign-in failed", "signed in"]
    assert all("typo" not in e.detail and "typo" not in e.staff_username for e in entries)


def test_the_password_is_checked_off_the_event_loop(
    app: FastAPI, gateway: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 takes tens of milliseconds on purpose: on the event loop, guesses would stall
    every webhook and live page; in a worker thread, sign-in still works as before."""
    seen: list[bool] = []
    original = sign_in_page.check_password

    def check(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(False)
        except RuntimeError:
            seen.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(sign_in_page, "check_password", check)
    assert sign_in(browser(app), "amina").headers["location"] == "/console/queue"
    assert sign_in(browser(app), "amina", "wrong").headers["location"].endswith("wrong")
    assert seen == [True, True]


def test_a_browser_that_signed_in_gets_a_device_cookie(app: FastAPI, gateway: TestClient) -> None:
    header = sign_in(browser(app), "amina").headers.get_list("set-cookie")
    device = [h.lower() for h in header if h.startswith(DEVICE_COOKIE)]
    assert device and "httponly" in device[0] and "samesite=strict" in device[0]
    assert "amina" not in device[0]


def test_login_page_carries_its_own_token(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    page = client.get("/console/login")
    assert form_token(page.text) == client.cookies.get("rahnuma_login", path="/console")


def test_the_console_opens_on_each_roles_start_page(app: FastAPI, gateway: TestClient) -> None:
    response = browser(app).get("/console")
    assert (response.status_code, response.headers["location"]) == (303, "/console/login")
    for username, start in (("amina", "/console/queue"), ("sara", "/console/queue"),
                            ("erum", "/console/texts")):  # fmt: skip
        response = signed_in(app, username).get("/console")
        assert (response.status_code, response.headers["location"]) == (303, start)


def test_the_sign_in_page_says_why_the_last_try_failed(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    for problem, words in LOGIN_PROBLEMS.items():
        assert html.escape(words) in client.get(f"/console/login?problem={problem}").text
    plain = client.get("/console/login?problem=anything").text
    assert not any(html.escape(words) in plain for words in LOGIN_PROBLEMS.values())
