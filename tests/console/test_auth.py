"""Staff sign-in underneath the pages: argon2id hashes, sessions kept as hashes, limits on
guessing (a wait per account that never locks its owner out, a limit per network, also behind
the TLS proxy, under keys only the server can make), and timeouts that an open page can't
hold off."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from bot.config import Settings
from bot.console import queue_page
from bot.console.access import SESSION_COOKIE
from bot.console.auth import (
    ACCOUNT_DELAY_CAP,
    FAILURES_PER_CLIENT,
    FAILURES_PER_DEVICE,
    FREE_FAILURES_PER_ACCOUNT,
    Attempt,
    account_delay,
    all_staff,
    check_password,
    failure_secret,
    network_of,
    staff_names,
)
from bot.console.sign_in import DEVICE_COOKIE
from bot.store import Database, LoginFailure, Role, StaffMember, StaffSession
from bot.store.models import utcnow
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.console.conftest import (
    PASSWORD,
    Clock,
    add_staff_accounts,
    browser,
    make_app,
    person_asking_for_help,
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


def test_an_account_under_guessing_waits_rather_than_locks(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    for _ in range(FREE_FAILURES_PER_ACCOUNT):
        assert sign_in(browser(app), "bilal", "guess").headers["location"].endswith("wrong")
    waiting = sign_in(browser(app), "bilal")  # even the right password, for a moment
    assert waiting.headers["location"] == "/console/login?problem=wait"
    assert sign_in(browser(app), "amina").headers["location"] == "/console/queue"  # others go on
    clock.advance(account_delay(FREE_FAILURES_PER_ACCOUNT))
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"


def test_the_wait_grows_with_failures_and_is_capped() -> None:
    waits = [account_delay(n).total_seconds() for n in range(12)]
    assert waits[:FREE_FAILURES_PER_ACCOUNT] == [0, 0, 0]
    assert waits[3:8] == [2, 4, 8, 16, 32]
    assert waits[8:] == [ACCOUNT_DELAY_CAP.total_seconds()] * 4
    assert account_delay(10**6) == ACCOUNT_DELAY_CAP  # no overflow, however long it goes on


def test_endless_guessing_never_locks_the_owner_out(
    channel_settings: Settings,
    providers: FakeProviders,
    engine: FakeEngine,
    database: Database,
    clock: Clock,
) -> None:
    """Guessers on many networks keep the account at its longest wait: the owner gets in at
    once from a browser that signed in before, and from a new one after at most the cap."""
    app = make_app(channel_settings, providers, engine, database, trusted_proxies="testclient")
    with TestClient(app):
        add_staff_accounts(app)
        own_laptop = from_address(app, "198.51.100.7")
        assert sign_in(own_laptop, "sara").headers["location"] == "/console/queue"
        for number in range(40):
            clock.advance(ACCOUNT_DELAY_CAP)
            sign_in(from_address(app, f"203.0.113.{number}"), "sara", "guess")
        assert sign_in(own_laptop, "sara").headers["location"] == "/console/queue"
        new_phone = from_address(app, "198.51.100.8")
        assert sign_in(new_phone, "sara").headers["location"].endswith("problem=wait")
        clock.advance(ACCOUNT_DELAY_CAP)
        assert sign_in(new_phone, "sara").headers["location"] == "/console/queue"


def test_a_device_cookie_that_guesses_loses_its_pass(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    """A stolen device cookie is no licence to guess: after a few failures of its own, that
    browser waits like any other."""
    laptop = browser(app)
    assert sign_in(laptop, "bilal").headers["location"] == "/console/queue"
    for _ in range(FAILURES_PER_DEVICE):
        assert sign_in(laptop, "bilal", "guess").headers["location"].endswith("wrong")
    assert sign_in(laptop, "bilal").headers["location"].endswith("problem=wait")
    forged = browser(app)
    forged.cookies.set(DEVICE_COOKIE, "made-up.0000", path="/console")
    assert sign_in(forged, "bilal").headers["location"].endswith("problem=wait")


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


def test_an_ipv6_guesser_counts_as_its_whole_64(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> None:
    """One subscriber has 2^64 addresses: a new one for every guess changes nothing."""
    app = make_app(channel_settings, providers, engine, database, trusted_proxies="testclient")
    with TestClient(app):
        add_staff_accounts(app)
        for number in range(FAILURES_PER_CLIENT):
            sign_in(from_address(app, f"2001:db8:1:2::{number + 1:x}"), f"user{number}", "guess")
        assert sign_in(from_address(app, "2001:db8:1:2:ffff::9"), "amina").status_code == 429
        neighbour = sign_in(from_address(app, "2001:db8:1:3::1"), "amina")
        assert neighbour.headers["location"] == "/console/queue"


@pytest.mark.parametrize(
    ("client", "network"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),  # IPv4 as an IPv6 socket shows it
        ("testclient", "testclient"),
    ],
)
def test_guesses_count_per_network(client: str, network: str) -> None:
    assert network_of(client) == network


def test_failure_keys_need_the_servers_secret(database: Database) -> None:
    """A copy of the table names no account and no address, even to someone who tries them."""
    attempt = Attempt("Amina", "guess", "203.0.113.9")
    keys: dict[bytes, set[str]] = {}
    for secret in (failure_secret("one server key"), failure_secret("another server key")):
        with database.session() as session:
            assert check_password(session, attempt, secret=secret) is None
            keys[secret] = set(session.scalars(select(LoginFailure.key)).all())
            session.execute(delete(LoginFailure))
    first, second = keys.values()
    assert len(first) == 2 and not first & second
    plain = {
        hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
        for kind in ("user", "ip", "account", "network")
        for value in ("amina", "203.0.113.9")
    }
    assert not first & plain and not any("amina" in key or "203.0" in key for key in first)


def test_a_forwarded_address_from_anyone_else_is_not_believed(
    app: FastAPI, gateway: TestClient
) -> None:
    """Without a trusted proxy, a guesser can't dodge the limit by inventing addresses."""
    for number in range(FAILURES_PER_CLIENT):
        sign_in(from_address(app, f"203.0.113.{number}"), f"user{number}", "guess")
    assert sign_in(from_address(app, "198.51.100.7"), "amina").status_code == 429


def fetched(client: TestClient, url: str) -> httpx.Response:
    """What an open page's script asks for (not a page: no text/html in Accept)."""
    return client.get(url, headers={"accept": "*/*"})


def test_a_page_left_open_times_out_however_often_it_fetches(
    app: FastAPI, gateway: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live stream, its reconnects and the polls it starts are not the person's doing."""
    monkeypatch.setattr(queue_page, "EVENTS_MAX_SECONDS", 0.0)  # each stream ends at once
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    for _ in range(5):  # every 6 minutes for 30 minutes
        clock.advance(timedelta(minutes=6))
        assert fetched(amina, "/console/events").status_code == 200
        assert fetched(amina, "/console/queue/rows").status_code == 200
        assert fetched(amina, f"/console/tickets/{person.ticket_id}/messages").status_code == 200
    clock.advance(timedelta(minutes=1))
    assert fetched(amina, "/console/events").status_code == 401
    assert amina.get("/console/queue").headers["location"] == "/console/login"


def test_what_the_person_does_keeps_the_session(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    amina = signed_in(app, "amina")
    clock.advance(timedelta(minutes=25))
    assert amina.get("/console/queue").status_code == 200  # a page she opened
    clock.advance(timedelta(minutes=25))
    assert fetched(amina, "/console/queue/rows").status_code == 200
    clock.advance(timedelta(minutes=6))
    assert fetched(amina, "/console/queue/rows").status_code == 401


def test_an_editors_progress_poll_does_not_keep_the_session(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    erum = signed_in(app, "erum")
    clock.advance(timedelta(minutes=29))
    assert fetched(erum, "/console/understanding/progress").status_code == 200
    clock.advance(timedelta(minutes=2))
    assert fetched(erum, "/console/understanding/progress").status_code == 401


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


def test_passwords_are_hashed_at_argon2s_recommended_costs() -> None:
    """The unit tests hash cheaply (tests/conftest.py); the gateway itself never does."""
    from argon2 import Type
    from argon2.profiles import RFC_9106_LOW_MEMORY

    from tests.conftest import PRODUCTION_HASHER

    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.time_cost >= RFC_9106_LOW_MEMORY.time_cost
    assert PRODUCTION_HASHER.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
