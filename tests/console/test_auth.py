"""Signing in to the console: passwords, sessions, CSRF, limits on guessing, timeouts."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.config import Settings
from bot.console.auth import FAILURES_PER_ACCOUNT, FAILURES_PER_CLIENT
from bot.console.pages import SESSION_COOKIE
from bot.store import AuditEntry, Database, StaffMember, StaffSession
from bot.store.models import utcnow
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.console.conftest import (
    PASSWORD,
    add_staff_accounts,
    browser,
    csrf,
    form_token,
    make_app,
    person_asking_for_help,
    sign_in,
    signed_in,
)


def test_pages_need_a_session(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    page = client.get("/console/queue", headers={"accept": "text/html"})
    assert (page.status_code, page.headers["location"]) == (303, "/console/login")
    script = {"accept": "text/event-stream"}
    assert client.get("/console/events", headers=script).status_code == 401  # no page: 401
    assert client.post("/console/tickets/1/claim").status_code == 401


def test_passwords_are_stored_as_argon2id(app: FastAPI, gateway: TestClient) -> None:
    with app.state.db.session() as session:
        hashes = session.scalars(select(StaffMember.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


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


def test_the_database_keeps_only_a_hash_of_the_session_token(
    app: FastAPI, gateway: TestClient
) -> None:
    client = signed_in(app, "amina")
    token = client.cookies.get(SESSION_COOKIE, path="/console")
    with app.state.db.session() as session:
        stored = session.scalars(select(StaffSession.token_hash)).all()
    assert token and token not in stored


def test_sign_in_needs_the_forms_token(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "amina", "password": PASSWORD, "csrf": "forged"}
    )
    assert response.headers["location"] == "/console/login?problem=expired"


def test_every_change_needs_the_csrf_token(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    client = signed_in(app, "amina")
    url = f"/console/tickets/{person.ticket_id}/claim"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf": "forged"}).status_code == 403
    assert client.post(url, data={"csrf": csrf(client)}).status_code == 303


def test_a_post_from_another_site_is_refused(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    client = signed_in(app, "amina")
    token = csrf(client)
    for headers in [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"sec-fetch-site": "same-site"}]:  # fmt: skip
        response = client.post(
            f"/console/tickets/{person.ticket_id}/claim", data={"csrf": token}, headers=headers
        )
        assert response.status_code == 403, headers


def test_an_account_locks_after_repeated_failures(app: FastAPI, gateway: TestClient) -> None:
    for _ in range(FAILURES_PER_ACCOUNT):
        assert sign_in(browser(app), "bilal", "guess").headers["location"].endswith("wrong")
    locked = sign_in(browser(app), "bilal")  # even the right password, for now
    assert locked.headers["location"] == "/console/login?problem=locked"
    assert sign_in(browser(app), "amina").status_code == 303  # others are not locked out
    assert sign_in(browser(app), "amina").headers["location"] == "/console/queue"


def test_a_client_guessing_many_accounts_is_refused(app: FastAPI, gateway: TestClient) -> None:
    for number in range(FAILURES_PER_CLIENT):
        sign_in(browser(app), f"user{number}", "guess")
    assert sign_in(browser(app), "amina").status_code == 429


def from_address(app: FastAPI, address: str) -> TestClient:
    """A browser whose request reaches the gateway through the TLS proxy."""
    client = browser(app)
    client.headers["x-forwarded-for"] = address
    return client


def test_behind_the_tls_proxy_each_real_client_is_counted(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> None:
    """Every request comes from the proxy: counted as one client, a single attacker guessing
    would lock every worker out of the console."""
    app = make_app(channel_settings, providers, engine, database, trusted_proxies="testclient")
    with TestClient(app):
        add_staff_accounts(app)
        for number in range(FAILURES_PER_CLIENT):
            sign_in(from_address(app, "203.0.113.66"), f"user{number}", "guess")
        assert sign_in(from_address(app, "203.0.113.66"), "amina").status_code == 429
        worker = sign_in(from_address(app, "198.51.100.7"), "amina")
        assert worker.headers["location"] == "/console/queue"


def test_a_forwarded_address_from_anyone_else_is_not_believed(
    app: FastAPI, gateway: TestClient
) -> None:
    """Without a trusted proxy, a guesser can't dodge the limit by inventing addresses."""
    for number in range(FAILURES_PER_CLIENT):
        sign_in(from_address(app, f"203.0.113.{number}"), f"user{number}", "guess")
    assert sign_in(from_address(app, "198.51.100.7"), "amina").status_code == 429


def test_idle_sessions_end(app: FastAPI, gateway: TestClient) -> None:
    client = signed_in(app, "amina")
    with app.state.db.session() as session:
        session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert client.get("/console/queue").headers["location"] == "/console/login"
    with app.state.db.session() as session:
        assert session.scalars(select(StaffSession)).all() == []  # the stale session is gone


def test_sessions_end_after_their_lifetime_even_when_busy(
    app: FastAPI, gateway: TestClient
) -> None:
    client = signed_in(app, "amina")
    with app.state.db.session() as session:
        session.execute(update(StaffSession).values(created_at=utcnow() - timedelta(hours=13)))
    assert client.get("/console/queue").status_code == 303


def test_sign_out_ends_the_session(app: FastAPI, gateway: TestClient) -> None:
    client = signed_in(app, "amina")
    token = csrf(client)
    cookie = client.cookies.get(SESSION_COOKIE, path="/console")
    assert client.post("/console/logout", data={"csrf": token}).status_code == 303
    replay = browser(app)
    replay.cookies.set(SESSION_COOKIE, cookie or "", path="/console")
    assert replay.get("/console/queue").status_code == 303  # the old cookie is worthless


def test_a_disabled_account_is_signed_out_everywhere(app: FastAPI, gateway: TestClient) -> None:
    worker = signed_in(app, "bilal")
    admin = signed_in(app, "sara")
    with app.state.db.session() as session:
        bilal = session.scalars(select(StaffMember).where(StaffMember.username == "bilal")).one()
    response = admin.post(f"/console/staff/{bilal.id}/active", data={"csrf": csrf(admin)})
    assert response.status_code == 303
    assert worker.get("/console/queue").status_code == 303
    assert sign_in(browser(app), "bilal").headers["location"].endswith("wrong")


def test_sign_ins_are_audited_without_what_was_typed(app: FastAPI, gateway: TestClient) -> None:
    sign_in(browser(app), "amina", "typo-password")
    signed_in(app, "amina")
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert [e.action for e in entries] == ["sign-in failed", "signed in"]
    assert all("typo" not in e.detail and "typo" not in e.staff_username for e in entries)


def test_login_page_carries_its_own_token(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    page = client.get("/console/login")
    assert form_token(page.text) == client.cookies.get("rahnuma_login", path="/console")
