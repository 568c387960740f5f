"""A staff member's own password: changed only with the current one, to a long enough one,
and every other browser signed in as them is signed out; audited without the password."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console import password_page
from bot.console.auth import FREE_FAILURES_PER_ACCOUNT, account_delay
from bot.store import AuditEntry
from tests.console.conftest import PASSWORD, Clock, browser, form_token, sign_in, signed_in

NEW = "a new and longer passphrase"


def change(client: TestClient, **form: str) -> str:
    token = form_token(client.get("/console/password").text)
    response = client.post("/console/password", data={"csrf": token, **form})
    assert response.status_code == 303
    return response.headers["location"].removeprefix("/console/password?done=")


@pytest.mark.parametrize("username", ["amina", "erum", "sara"])  # every role
def test_everyone_changes_their_password_and_other_browsers_are_signed_out(
    app: FastAPI, gateway: TestClient, username: str
) -> None:
    here, elsewhere = signed_in(app, username), signed_in(app, username)
    assert change(here, current=PASSWORD, new=NEW, repeat=NEW) == "changed"
    assert here.get("/console/password").status_code == 200  # this browser stays
    assert elsewhere.get("/console/password").headers["location"] == "/console/login"
    assert sign_in(browser(app), username).headers["location"].endswith("problem=wrong")
    assert sign_in(browser(app), username, NEW).status_code == 303
    assert "Password changed." in here.get("/console/password?done=changed").text


@pytest.mark.parametrize(
    ("form", "done"),
    [
        ({"current": "not it at all", "new": NEW, "repeat": NEW}, "wrong"),
        ({"current": PASSWORD, "new": "short", "repeat": "short"}, "policy"),
        ({"current": PASSWORD, "new": NEW, "repeat": NEW + "!"}, "mismatch"),
        ({"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD}, "same"),
    ],
)
def test_a_change_needs_the_current_password_and_a_good_new_one(
    app: FastAPI, gateway: TestClient, form: dict[str, str], done: str
) -> None:
    amina, elsewhere = signed_in(app, "amina"), signed_in(app, "amina")
    assert change(amina, **form) == done
    assert elsewhere.get("/console/password").status_code == 200  # nothing changed
    assert sign_in(browser(app), "amina").status_code == 303


def test_a_change_needs_the_forms_token_and_a_session(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    forged = amina.post("/console/password", data={"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert forged.status_code == 403
    stranger = browser(app).post("/console/password", data={"new": NEW, "repeat": NEW})
    assert stranger.status_code == 401
    assert browser(app).get("/console/password").headers["location"] == "/console/login"
    assert sign_in(browser(app), "amina").status_code == 303  # still the old password


def test_changes_are_audited_without_the_password(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    change(amina, current="a wrong guess here", new=NEW, repeat=NEW)
    change(amina, current=PASSWORD, new=NEW, repeat=NEW)
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.staff_username == "amina"))
        found = [(e.action, e.detail) for e in entries if "password" in e.action]
    assert found == [("password change refused", ""), ("changed own password", "")]


def test_the_hashing_runs_off_the_event_loop(
    app: FastAPI, gateway: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 is slow on purpose; on the event loop it would hold up every other request."""
    seen: list[bool] = []

    def verify(password_hash: str | None, password: str) -> bool:
        try:
            asyncio.get_running_loop()
            seen.append(False)  # on the loop
        except RuntimeError:
            seen.append(True)  # in a worker thread
        return original(password_hash, password)

    original = password_page.verify_password
    monkeypatch.setattr(password_page, "verify_password", verify)
    assert change(signed_in(app, "amina"), current=PASSWORD, new=NEW, repeat=NEW) == "changed"
    assert seen == [True]


def test_wrong_current_passwords_wait_like_wrong_sign_ins(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    """Someone at a console left open can't guess its owner's password any faster here
    than at sign-in: the same tries count, and the same wait follows."""
    amina = signed_in(app, "amina")
    for _ in range(FREE_FAILURES_PER_ACCOUNT):
        assert change(amina, current="a guess at it", new=NEW, repeat=NEW) == "wrong"
    assert change(amina, current=PASSWORD, new=NEW, repeat=NEW) == "wait"
    assert sign_in(browser(app), "amina").headers["location"] == "/console/login?problem=wait"
    assert "Wait a minute" in amina.get("/console/password?done=wait").text
    clock.advance(account_delay(FREE_FAILURES_PER_ACCOUNT))
    assert change(amina, current=PASSWORD, new=NEW, repeat=NEW) == "changed"
