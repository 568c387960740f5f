"""A staff member's own two-step sign-in page: setting it up (key as text, otpauth address,
QR code, first code, ten recovery codes shown once), new recovery codes and a new phone only
for a current code, and the policy that keeps workers and admins on this page until it is on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.config import Settings
from bot.console.two_factor import RECOVERY_CODES
from bot.store import AuditEntry, Database
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.console.conftest import (
    Clock,
    add_staff_accounts,
    browser,
    code_now,
    enrol,
    form_token,
    give_code,
    make_app,
    person_asking_for_help,
    sign_in,
    signed_in,
)

STEP = timedelta(seconds=30)


@pytest.mark.parametrize("username", ["amina", "sara", "erum"])  # every role may turn it on
def test_staff_set_up_two_step_sign_in_from_the_console(
    app: FastAPI, gateway: TestClient, clock: Clock, username: str
) -> None:
    here, elsewhere = signed_in(app, username), signed_in(app, username)
    assert "Off." in here.get("/console/two-factor").text
    enrolled = enrol(here)
    assert len(enrolled.recovery_codes) == RECOVERY_CODES
    assert enrolled.uri.startswith(f"otpauth://totp/Rahnuma%20console:{username}?")
    assert "On since" in here.get("/console/two-factor").text
    assert here.get("/console/two-factor").text.count("<code>") == 0  # the codes were shown once
    assert elsewhere.get("/console/two-factor").headers["location"] == "/console/login"
    clock.advance(STEP)
    client = browser(app)
    assert sign_in(client, username).headers["location"] == "/console/login/code"
    assert give_code(client, code_now(enrolled.secret)).status_code == 303
    with app.state.db.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.staff_username == username)
        ).all()
    assert "started two-factor set-up" in actions and "turned on two-factor" in actions


def test_a_wrong_first_code_turns_nothing_on(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    amina = signed_in(app, "amina")
    amina.post(
        "/console/two-factor/start",
        data={"csrf": form_token(amina.get("/console/two-factor").text)},
    )
    page = amina.get("/console/two-factor")
    assert 'id="totp-secret"' in page.text
    wrong = amina.post(
        "/console/two-factor/confirm", data={"csrf": form_token(page.text), "code": "12345"}
    )
    assert wrong.headers["location"] == "/console/two-factor?done=wrong"
    assert sign_in(browser(app), "amina").headers["location"] == "/console/queue"  # still off


def test_the_qr_code_is_an_image_of_the_pending_key(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    assert amina.get("/console/two-factor/qr.svg").status_code == 404  # nothing to scan yet
    amina.post(
        "/console/two-factor/start",
        data={"csrf": form_token(amina.get("/console/two-factor").text)},
    )
    image = amina.get("/console/two-factor/qr.svg")
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.text.startswith("<svg") and image.headers["cache-control"] == "no-store"
    assert browser(app).get("/console/two-factor/qr.svg").status_code == 303  # signed out


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    amina = signed_in(app, "amina")
    enrolled = enrol(amina)
    clock.advance(STEP)
    token = form_token(amina.get("/console/two-factor").text)
    refused = amina.post("/console/two-factor/recovery-codes", data={"csrf": token, "code": "1"})
    assert refused.headers["location"] == "/console/two-factor?done=wrong"
    shown = amina.post(
        "/console/two-factor/recovery-codes",
        data={"csrf": token, "code": code_now(enrolled.secret)},
    )
    assert shown.status_code == 200 and "old ones no longer work" in shown.text
    client = browser(app)
    sign_in(client, "amina")
    assert give_code(client, enrolled.recovery_codes[0]).headers["location"].endswith("wrong")


def test_moving_to_a_new_phone_needs_a_code_from_the_old_one(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    """A borrowed session alone can't tie the account to someone else's phone."""
    amina = signed_in(app, "amina")
    old = enrol(amina)
    clock.advance(STEP)
    token = form_token(amina.get("/console/two-factor").text)
    refused = amina.post("/console/two-factor/start", data={"csrf": token})
    assert refused.headers["location"] == "/console/two-factor?done=wrong"
    # The phone is lost: a recovery code starts the move.
    amina.post("/console/two-factor/start", data={"csrf": token, "code": old.recovery_codes[0]})
    new = enrol_pending(amina)
    clock.advance(STEP)
    client = browser(app)
    sign_in(client, "amina")
    assert give_code(client, code_now(old.secret)).headers["location"].endswith("wrong")
    assert give_code(client, code_now(new)).headers["location"] == "/console/queue"


def enrol_pending(client: TestClient) -> str:
    """Confirm the key the page shows (a move already started); returns it."""
    page = client.get("/console/two-factor")
    start = page.text.index('id="totp-secret"')
    key = page.text[page.text.index(">", start) + 1 : page.text.index("<", start)].replace(" ", "")
    shown = client.post(
        "/console/two-factor/confirm", data={"csrf": form_token(page.text), "code": code_now(key)}
    )
    assert shown.status_code == 200
    return key


@pytest.fixture
def strict_app(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> Iterator[FastAPI]:
    """The gateway as production runs it: workers and admins must use two-step sign-in."""
    app = make_app(channel_settings, providers, engine, database, require_two_factor=True)
    with TestClient(app):
        add_staff_accounts(app)
        yield app


def test_the_policy_keeps_workers_and_admins_on_the_set_up_until_it_is_on(
    strict_app: FastAPI, clock: Clock
) -> None:
    app = strict_app
    for username in ("amina", "sara"):
        client = browser(app)
        assert sign_in(client, username).headers["location"] == "/console/two-factor"
        assert client.get("/console/queue").headers["location"] == "/console/two-factor"
        assert client.get("/console/audit").headers["location"] == "/console/two-factor"
        assert "Set it up before you go on" in client.get("/console/two-factor").text
    amina = browser(app)
    sign_in(amina, "amina")
    person = person_asking_for_help(app, TestClient(app))
    claim = amina.post(
        f"/console/tickets/{person.ticket_id}/claim",
        data={"csrf": form_token(amina.get("/console/two-factor").text)},
    )
    assert claim.status_code == 403  # no work before two-step sign-in is on
    assert amina.get("/console/events", headers={"accept": "text/event-stream"}).status_code == 403
    editor = browser(app)
    assert sign_in(editor, "erum").headers["location"] == "/console/texts"  # not for editors
    enrolled = enrol(amina)
    assert amina.get("/console/queue").status_code == 200
    clock.advance(STEP)
    again = browser(app)
    assert sign_in(again, "amina").headers["location"] == "/console/login/code"
    assert give_code(again, code_now(enrolled.secret)).headers["location"] == "/console/queue"


def test_without_the_policy_nobody_is_sent_to_the_set_up(app: FastAPI, gateway: TestClient) -> None:
    assert app.state.settings.require_two_factor is False  # the test environment's default
    assert sign_in(browser(app), "amina").headers["location"] == "/console/queue"
