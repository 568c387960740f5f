"""Two-step sign-in underneath the pages: no session before the code, a code accepted once,
recovery codes used up, wrong codes slowed down with wrong passwords, a pending sign-in that
expires and carries its own form token, and a secret that is never stored in clear.

Codes come from pyotp itself, at the console's clock, which the tests move."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console.access import SESSION_COOKIE
from bot.console.auth import FREE_FAILURES_PER_ACCOUNT, account_delay
from bot.console.sign_in import PENDING_COOKIE
from bot.console.two_factor import PENDING_LIFETIME, RECOVERY_CODES
from bot.privacy.identity import Vault
from bot.store import AuditEntry, RecoveryCode, StaffMember
from bot.store.models import Base
from tests.console.conftest import (
    Clock,
    Enrolled,
    browser,
    code_now,
    enrol,
    form_token,
    give_code,
    sign_in,
    signed_in,
)

STEP = timedelta(seconds=30)  # one TOTP time step


def amina_enrolled(app: FastAPI, clock: Clock) -> Enrolled:
    """Amina has set up her app; the next step's code is the one she will type."""
    enrolled = enrol(signed_in(app, "amina"))
    clock.advance(STEP)
    return enrolled


def wrong_code(secret: str) -> str:
    """Six digits that no step of the window accepts."""
    taken = {code_now(secret, steps) for steps in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000, 2000)) if c not in taken)


def test_after_the_password_a_code_is_owed_and_no_session_exists(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    enrolled = amina_enrolled(app, clock)
    client = browser(app)
    first = sign_in(client, "amina")
    assert first.headers["location"] == "/console/login/code"
    assert SESSION_COOKIE not in first.cookies and PENDING_COOKIE in first.cookies
    assert client.get("/console/queue").headers["location"] == "/console/login"  # no page yet
    done = give_code(client, code_now(enrolled.secret))
    assert done.headers["location"] == "/console/queue"
    assert SESSION_COOKIE in done.cookies
    assert client.get("/console/queue").status_code == 200


def test_a_recovery_code_signs_in_once(app: FastAPI, gateway: TestClient, clock: Clock) -> None:
    enrolled = amina_enrolled(app, clock)
    codes = enrolled.recovery_codes
    assert len(codes) == len(set(codes)) == RECOVERY_CODES
    client = browser(app)
    sign_in(client, "amina")
    used = give_code(client, codes[0])
    assert used.headers["location"] == "/console/two-factor?done=recovery-used"
    assert f"Recovery codes left: {RECOVERY_CODES - 1}" in client.get(used.headers["location"]).text
    again = browser(app)
    sign_in(again, "amina")
    assert give_code(again, codes[0]).headers["location"].endswith("problem=wrong")
    # As people type them: without the spaces, in capitals.
    assert give_code(again, codes[1].replace(" ", "").upper()).status_code == 303
    assert again.get("/console/queue").status_code == 200
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.staff_username == "amina"))
        found = [(e.action, e.detail) for e in entries if e.action.startswith("sign")]
    assert found[-3:] == [
        ("signed in", "with a recovery code"),
        ("sign-in code wrong", ""),
        ("signed in", "with a recovery code"),
    ]


def test_a_code_is_accepted_once_and_never_an_older_one(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    """Someone who saw a code typed (over a shoulder, in a proxy's log) can't use it."""
    enrolled = amina_enrolled(app, clock)
    code = code_now(enrolled.secret)
    first = browser(app)
    sign_in(first, "amina")
    assert give_code(first, code).headers["location"] == "/console/queue"
    replay = browser(app)
    sign_in(replay, "amina")
    assert give_code(replay, code).headers["location"].endswith("problem=wrong")
    assert give_code(replay, code_now(enrolled.secret, -1)).headers["location"].endswith("wrong")
    clock.advance(STEP)
    assert give_code(replay, code_now(enrolled.secret)).headers["location"] == "/console/queue"


def test_wrong_codes_wait_like_wrong_passwords(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    """One delay per account, whichever secret is guessed: a guesser who has the password
    gets no more tries at the code than at the password."""
    enrolled = amina_enrolled(app, clock)
    client = browser(app)
    sign_in(client, "amina")
    for _ in range(FREE_FAILURES_PER_ACCOUNT):
        wrong = give_code(client, wrong_code(enrolled.secret))
        assert wrong.headers["location"] == "/console/login/code?problem=wrong"
    assert give_code(client, code_now(enrolled.secret)).headers["location"].endswith("wait")
    assert sign_in(browser(app), "amina").headers["location"] == "/console/login?problem=wait"
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"  # others go on
    clock.advance(account_delay(FREE_FAILURES_PER_ACCOUNT))
    assert give_code(client, code_now(enrolled.secret)).headers["location"] == "/console/queue"


def test_a_pending_sign_in_expires(app: FastAPI, gateway: TestClient, clock: Clock) -> None:
    enrolled = amina_enrolled(app, clock)
    client = browser(app)
    sign_in(client, "amina")
    token = form_token(client.get("/console/login/code").text)
    clock.advance(PENDING_LIFETIME + STEP)
    late = client.post(
        "/console/login/code", data={"code": code_now(enrolled.secret), "csrf": token}
    )
    assert late.headers["location"] == "/console/login?problem=expired"
    assert client.get("/console/login/code").headers["location"].endswith("problem=expired")
    assert client.get("/console/queue").status_code == 303


def test_the_code_form_needs_its_own_token_and_the_pending_cookie(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    enrolled = amina_enrolled(app, clock)
    client = browser(app)
    sign_in(client, "amina")
    forged = client.post(
        "/console/login/code", data={"code": code_now(enrolled.secret), "csrf": "forged"}
    )
    assert forged.headers["location"] == "/console/login?problem=expired"
    stranger = browser(app).post(
        "/console/login/code", data={"code": code_now(enrolled.secret), "csrf": "x"}
    )
    assert stranger.headers["location"] == "/console/login?problem=expired"
    cross_site = client.post(
        "/console/login/code",
        data={"code": code_now(enrolled.secret), "csrf": "x"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert give_code(client, code_now(enrolled.secret)).headers["location"] == "/console/queue"


def test_the_secret_is_stored_sealed_and_recovery_codes_only_as_hashes(
    app: FastAPI, gateway: TestClient, clock: Clock
) -> None:
    enrolled = amina_enrolled(app, clock)
    assert enrolled.uri.startswith("otpauth://totp/") and f"secret={enrolled.secret}" in (
        enrolled.uri
    )
    assert pyotp.parse_uri(enrolled.uri).secret == enrolled.secret
    written = []
    with app.state.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            written += [repr(tuple(row)) for row in connection.execute(table.select())]
    everything = "\n".join(written).lower()
    clear = [enrolled.secret.lower(), *(c.replace(" ", "") for c in enrolled.recovery_codes)]
    assert not [value for value in clear if value in everything]
    with app.state.db.session() as session:
        amina = session.scalars(select(StaffMember).where(StaffMember.username == "amina")).one()
        hashes = session.scalars(select(RecoveryCode.code_hash)).all()
    vault: Vault = app.state.conversations.vault
    assert amina.totp_sealed and vault.open(amina.totp_sealed) == enrolled.secret
    assert len(hashes) == RECOVERY_CODES and all(len(h) == 64 for h in hashes)
