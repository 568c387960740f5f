"""The staff console in-process: the gateway with Twilio, Telegram and the engine faked at
their transport seams, a few staff accounts, and helpers that sign in like a browser."""

from __future__ import annotations

import html
import itertools
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.app import Transports, create_app
from bot.config import ROOT, Settings
from bot.console import auth
from bot.console.auth import add_staff
from bot.handoff.queue import open_ticket
from bot.privacy.identity import pseudonym
from bot.store import AuditEntry, Contact, Database, Role, Ticket
from bot.store.models import utcnow
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeBotApi, FakeProviders, FakeTwilioHttp
from tests.channels.conftest import channel_settings, engine, post_sms, providers

__all__ = ["channel_settings", "engine", "providers"]  # fixtures shared with channel tests

PASSWORD = "correct horse battery staple"
_sids = itertools.count(1)
_phones = itertools.count(4000)


class Clock:
    """The console's "now", moved by the test rather than by sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Sessions and sign-in limits read this clock for the test's length."""
    moved = Clock()
    monkeypatch.setattr(auth, "clock", moved)
    return moved


@pytest.fixture
def app(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> FastAPI:
    """On SQLite, and on PostgreSQL where DATABASE_URL points to one."""
    return make_app(channel_settings, providers, engine, database)


def make_app(
    settings: Settings,
    providers: FakeProviders,
    engine: FakeEngine,
    database: Database,
    **changes: object,
) -> FastAPI:
    """The gateway on the test database, with every outside service faked at its seam."""
    url = database.engine.url.render_as_string(hide_password=False)
    settings = settings.model_copy(update={"database_url": url, **changes})
    transports = Transports(
        twilio_http=FakeTwilioHttp(providers),
        telegram_request=FakeBotApi(providers),
        engine_http=httpx.MockTransport(engine.handler),
    )
    return create_app(settings, transports)


@pytest.fixture
def editors_app(
    channel_settings: Settings,
    providers: FakeProviders,
    engine: FakeEngine,
    database: Database,
    tmp_path: Path,
) -> Iterator[FastAPI]:
    """The gateway with its staff, on a copy of the catalogs (a publish writes into them)."""
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    app = make_app(channel_settings, providers, engine, database, locales_dir=tmp_path / "locales")
    with TestClient(app):
        add_staff_accounts(app)
        yield app


@pytest.fixture
def gateway(app: FastAPI) -> Iterator[TestClient]:
    """Runs the app's start-up (migrations, channels); other browsers share it."""
    with TestClient(app) as client:
        add_staff_accounts(app)
        yield client


def add_staff_accounts(app: FastAPI) -> None:
    db: Database = app.state.db
    with db.session() as session:
        for username, role in [
            ("amina", Role.WORKER),
            ("bilal", Role.WORKER),
            ("sara", Role.ADMIN),
            ("erum", Role.EDITOR),
        ]:
            add_staff(
                session, username=username, display_name=username.title(), role=role,
                password=PASSWORD,
            )  # fmt: skip


def browser(app: FastAPI) -> TestClient:
    """Another browser on the same running gateway (its own cookies)."""
    return TestClient(app, follow_redirects=False, headers={"accept": "text/html"})


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": form_token(page.text)},
        follow_redirects=False,
    )


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf" content="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def code_now(secret: str, steps: int = 0) -> str:
    """What the staff member's authenticator app shows at the console's (test) clock."""
    return pyotp.TOTP(secret).at(auth.clock(), counter_offset=steps)


def give_code(client: httpx.Client, code: str) -> httpx.Response:
    """The sign-in's second step, after `sign_in` sent this browser to it."""
    page = client.get("/console/login/code")
    assert page.status_code == 200, page.headers.get("location")
    return client.post(
        "/console/login/code",
        data={"code": code, "csrf": form_token(page.text)},
        follow_redirects=False,
    )


@dataclass
class Enrolled:
    """An account's two-step sign-in, as its owner saw it set up."""

    secret: str  # the key as the page showed it (spaces taken out)
    uri: str
    recovery_codes: list[str]


def enrol(client: TestClient) -> Enrolled:
    """Two-step sign-in set up from the page, as a person does: start, read the key, give
    the app's first code, note the recovery codes shown."""
    page = client.get("/console/two-factor")
    client.post("/console/two-factor/start", data={"csrf": form_token(page.text)})
    page = client.get("/console/two-factor")
    secret = re.search(r'id="totp-secret"[^>]*>([^<]+)<', page.text)
    uri = re.search(r'id="totp-uri"[^>]*>([^<]+)<', page.text)
    assert secret and uri, "no key on the set-up page"
    key = secret.group(1).replace(" ", "")
    shown = client.post(
        "/console/two-factor/confirm", data={"csrf": form_token(page.text), "code": code_now(key)}
    )
    assert shown.status_code == 200, shown.headers.get("location")
    codes = re.findall(r"<li><code>([^<]+)</code></li>", shown.text)
    return Enrolled(key, html.unescape(uri.group(1)), codes)


def signed_in(app: FastAPI, username: str) -> TestClient:
    client = browser(app)
    response = sign_in(client, username)
    assert response.status_code == 303
    assert response.headers["location"] in ("/console/queue", "/console/texts")  # by role
    return client


def csrf(client: TestClient) -> str:
    return form_token(client.get("/console/queue", follow_redirects=True).text)


def _exists(db: Database, pid: str) -> bool:
    with db.session() as session:
        return session.get(Contact, pid) is not None


@dataclass
class Person:
    """A survivor who wrote by SMS and asked for a worker (the ticket the action would open)."""

    phone: str
    pseudonym: str
    ticket_id: int


def person_asking_for_help(
    app: FastAPI, gateway: httpx.Client, *, urgent: bool = False, woman: bool | None = None
) -> Person:
    phone = f"+92301{next(_phones):07d}"
    assert post_sms(gateway, phone, "hello", f"SM{next(_sids):032d}").status_code == 200
    db: Database = app.state.db
    pid = pseudonym(app.state.conversations.pseudonym_key, "sms", phone)
    # Over real HTTP the gateway answers Twilio first and handles the message after.
    deadline = time.monotonic() + 5
    while not _exists(db, pid):
        assert time.monotonic() < deadline, "the gateway never handled the SMS"
        time.sleep(0.02)
    with db.session() as session:
        ticket = open_ticket(session, pid, urgent=urgent, wants_woman_worker=woman)
        session.execute(update(Contact).where(Contact.pseudonym == pid).values(engine_paused=True))
        return Person(phone, pid, ticket.id)


def ticket(app: FastAPI, ticket_id: int) -> Ticket:
    with app.state.db.session() as session:
        return session.scalars(select(Ticket).where(Ticket.id == ticket_id)).one()


def claim(client: TestClient, person: Person) -> None:
    response = client.post(
        f"/console/tickets/{person.ticket_id}/claim", data={"csrf": csrf(client)}
    )
    assert response.status_code == 303


def claimed_by_amina(app: FastAPI, gateway: TestClient) -> tuple[Person, TestClient]:
    """A person waiting for a worker, and Amina signed in with their ticket claimed."""
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    return person, amina


def reply(client: TestClient, person: Person, **form: str) -> str:
    response = client.post(
        f"/console/tickets/{person.ticket_id}/reply", data={"csrf": csrf(client), **form}
    )
    assert response.status_code == 303
    return response.headers["location"]


def audit_actions(app: FastAPI, ticket_id: int) -> list[tuple[str, str]]:
    with app.state.db.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.ticket_id == ticket_id).order_by(AuditEntry.id)
        ).all()
    return [(e.staff_username, e.action) for e in entries]
