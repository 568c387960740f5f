"""Staff sign-in underneath the pages: argon2id hashes, sessions kept as hashes, limits on
guessing (per account and per client, also behind the TLS proxy), timeouts."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.config import Settings
from bot.console.access import SESSION_COOKIE
from bot.console.auth import FAILURES_PER_ACCOUNT, FAILURES_PER_CLIENT, all_staff, staff_names
from bot.store import Database, Role, StaffMember, StaffSession
from bot.store.models import utcnow
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.console.conftest import (
    PASSWORD,
    add_staff_accounts,
    browser,
    make_app,
    sign_in,
    signed_in,
)


def test_passwords_are_stored_as_argon2id(app: FastAPI, gateway: TestClient) -> None:
    with app.state.db.session() as session:
        hashes = session.scalars(select(StaffMember.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_the_database_keeps_only_a_hash_of_the_session_token(
    app: FastAPI, gateway: TestClient
) -> None:
    client = signed_in(app, "amina")
    token = client.cookies.get(SESSION_COOKIE, path="/console")
    with app.state.db.session() as session:
        stored = session.scalars(select(StaffSession.token_hash)).all()
    assert token and token not in stored


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


def test_staff_are_listed_by_username_and_named_by_id(database: Database) -> None:
    with database.session() as session:
        for username in ["zara", "amina"]:
            session.add(
                StaffMember(
                    username=username,
                    display_name=username.title(),
                    role=Role.WORKER,
                    password_hash="-",
                    active=username == "amina",
                )
            )
        session.flush()
        listed = all_staff(session)
        assert [m.username for m in listed] == ["amina", "zara"]  # disabled ones too
        assert staff_names(session) == {m.id: m.display_name for m in listed}
