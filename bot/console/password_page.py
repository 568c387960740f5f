"""A staff member's own password: changed with the current one, and chosen anew after an
admin's reset (until then no other page opens). Changing it signs every other browser out.
Wrong current passwords count towards the account's sign-in delays, like wrong ones at
sign-in: a borrowed session is no way to guess the password faster."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.console import audit, auth
from bot.console.access import Staff, caller, checked_form
from bot.console.auth import (
    MIN_PASSWORD_LENGTH,
    Attempt,
    LoginRefusedError,
    PasswordPolicyError,
    SignedIn,
    count_failure,
    end_all_sessions,
    failure_secret,
    guard,
    set_password,
    verify_password,
)
from bot.console.dependencies import AppSettings, Db
from bot.console.rendering import page
from bot.store import Database, StaffMember

router = APIRouter()

# What `?done=` says after a try on the password page.
NOTICES = {
    "changed": "Password changed. Every other browser signed in as you has been signed out.",
    "wrong": "Not changed: the current password is wrong.",
    "wait": "Not changed: several wrong passwords for this account lately. Wait a minute, "
    "then try again.",
    "policy": f"Not changed: a password needs at least {MIN_PASSWORD_LENGTH} characters.",
    "mismatch": "Not changed: the new password and its repetition differ.",
    "same": "Not changed: choose a password other than the current one.",
}


@router.get("/password")
async def password_page(request: Request, me: Staff, done: str = "") -> Response:
    return page(
        request,
        "password.html",
        me,
        notice=NOTICES.get(done, ""),
        must_change=me.staff.must_change_password,
        min_length=MIN_PASSWORD_LENGTH,
    )


@router.post("/password")
async def password_change(request: Request, me: Staff, db: Db, settings: AppSettings) -> Response:
    form = await checked_form(request, me)
    current, new = form.get("current", "")[:256], form.get("new", "")[:256]
    if new != form.get("repeat", "")[:256]:
        return _back("mismatch")
    attempt = caller(request, me.staff.username, current, signed_in=True)
    secret = failure_secret(settings.pseudonym_key)
    # argon2 is slow on purpose: in a worker thread, not on the gateway's event loop.
    outcome = await run_in_threadpool(_change, db, me, attempt, new, secret)
    return _back(outcome)


def _change(db: Database, me: SignedIn, attempt: Attempt, new: str, secret: bytes) -> str:
    """Check the current password, set the new one and sign out every other session."""
    current, now = attempt.password, auth.clock()
    with db.session() as session:
        try:
            keys = guard(session, attempt, secret=secret, now=now)
        except LoginRefusedError:
            return "wait"
        staff = session.get(StaffMember, me.staff.id)
        if staff is None or not verify_password(staff.password_hash, current):
            count_failure(session, keys, now)
            audit.record(session, me.staff, "password change refused")
            return "wrong"
        if current == new:
            return "same"
        try:
            set_password(staff, new)
        except PasswordPolicyError:
            return "policy"
        end_all_sessions(session, staff.id, keep=me.token_hash)
        audit.record(session, staff, "changed own password")
    return "changed"


def _back(done: str) -> RedirectResponse:
    return RedirectResponse(f"/console/password?done={done}", status_code=303)
