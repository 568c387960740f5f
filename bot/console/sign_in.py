"""Signing in and out of the console.

The sign-in form carries its own CSRF token (in a cookie, before there is a session); every
sign-in starts a fresh session, so a cookie planted beforehand is never honoured. An account
with two-step sign-in gets no session for its password: a pending sign-in (two_factor.py)
lets the browser give a code, and only a right code starts the session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import audit, auth
from bot.console.access import (
    DEVICE_COOKIE,
    LOGIN_COOKIE,
    TWO_FACTOR_PAGE,
    Staff,
    caller,
    check_origin,
    checked_form,
    needs_two_factor,
    session_cookie,
    session_token,
    start_page,
)
from bot.console.auth import (
    DEVICE_COOKIE_DAYS,
    Attempt,
    LoginRefusedError,
    check_password,
    count_failure,
    device_cookie,
    end_session,
    failure_secret,
    forget_old_failures,
    guard,
    same_token,
    start_session,
)
from bot.console.dependencies import AppSettings, Db, Sealing
from bot.console.rendering import templates
from bot.console.two_factor import (
    PENDING_LIFETIME,
    check_code,
    end_pending,
    find_pending,
    start_pending,
)
from bot.privacy.identity import Vault
from bot.store import Database, StaffMember

router = APIRouter()

PENDING_COOKIE = "rahnuma_pending"  # the password was right; a code is still owed
CODE_PAGE = "/console/login/code"

LOGIN_PROBLEMS = {
    "wrong": "Wrong username or password.",
    "wait": "Several wrong passwords for this account lately. Wait a minute, then try again.",
    "expired": "The sign-in form expired. Please try again.",
}

CODE_PROBLEMS = {
    "wrong": "That code is wrong or was already used. Type the newest code your app shows.",
    "wait": "Several wrong codes or passwords for this account lately. Wait a minute, then "
    "try again.",
}


@router.get("/login")
async def login_page(request: Request, settings: AppSettings, problem: str = "") -> HTMLResponse:
    # A new token for every form, never one the browser brings: a cookie planted by a sibling
    # subdomain is not taken up and kept alive (review F19i).
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "me": None,
            "csrf": token,
            "problem": LOGIN_PROBLEMS.get(problem, ""),
            "idle_minutes": int(settings.console_idle_minutes),
        },
    )
    set_cookie(response, LOGIN_COOKIE, token, settings, max_age=3600)
    return response


@router.post("/login")
async def login(request: Request, settings: AppSettings, db: Db) -> Response:
    check_origin(request)
    form = await request.form()
    if not same_token(request.cookies.get(LOGIN_COOKIE) or "", str(form.get("csrf") or "")):
        return RedirectResponse("/console/login?problem=expired", status_code=303)
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    attempt = caller(request, username[:64], password[:256])
    secret = failure_secret(settings.pseudonym_key)
    # argon2 takes tens of milliseconds of CPU on purpose: on the event loop, a stream of
    # guesses would stall every webhook and live page of this gateway, so it runs in a thread.
    try:
        passed = await run_in_threadpool(
            _sign_in, db, attempt, secret, session_token(request, settings)
        )
    except LoginRefusedError as refused:
        return _refused(refused, "/console/login?problem=wait")
    if passed is None:
        return RedirectResponse("/console/login?problem=wrong", status_code=303)
    if passed.code_owed:
        response = RedirectResponse(CODE_PAGE, status_code=303)
        set_cookie(response, PENDING_COOKIE, passed.token, settings,
                   max_age=int(PENDING_LIFETIME.total_seconds()))  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path="/console")
        return response
    return _signed_in(passed, settings, secret)


@dataclass(frozen=True)
class Passed:
    """A right password (and code): a session's token, or a pending sign-in's."""

    staff: StaffMember
    token: str
    code_owed: bool = False
    recovery: bool = False  # signed in with a recovery code: the owner is told how many are left


def _sign_in(db: Database, attempt: Attempt, secret: bytes, old_token: str | None) -> Passed | None:
    """Check the password, then start a session or, with two-step sign-in, ask for a code
    (in a worker thread: see `login`)."""
    with db.session() as session:
        forget_old_failures(session)
        staff = check_password(session, attempt, secret=secret)
        if staff is None:
            audit.record(session, None, "sign-in failed", username="-")
            return None
        if staff.two_factor:
            return Passed(staff, start_pending(session, staff), code_owed=True)
        return Passed(staff, _start(session, staff, old_token))


def _start(session: Session, staff: StaffMember, old_token: str | None, detail: str = "") -> str:
    # A fresh session every time: a cookie planted before sign-in is never honoured.
    end_session(session, old_token)
    token = start_session(session, staff)
    audit.record(session, staff, "signed in", detail=detail)
    return token


def _signed_in(passed: Passed, settings: Settings, secret: bytes) -> Response:
    """Where a new session begins, with its cookies."""
    staff = passed.staff
    if staff.must_change_password:
        where = "/console/password"
    elif needs_two_factor(staff, settings):
        where = TWO_FACTOR_PAGE
    elif passed.recovery:
        where = f"{TWO_FACTOR_PAGE}?done=recovery-used"
    else:
        where = start_page(staff.role)
    response = RedirectResponse(where, status_code=303)
    # A browser-session cookie (no Max-Age): gone when the browser closes on a shared PC. The
    # server still ends the session after its idle and absolute limits (session_limits).
    name, path = session_cookie(settings)
    set_cookie(response, name, passed.token, settings, max_age=None, path=path)
    set_cookie(response, DEVICE_COOKIE, device_cookie(secret, staff.username), settings,
               max_age=DEVICE_COOKIE_DAYS * 86400)  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    response.delete_cookie(PENDING_COOKIE, path="/console")
    return response


def _refused(refused: LoginRefusedError, wait_page: str) -> RedirectResponse:
    if refused.reason == "client":
        raise HTTPException(status_code=429, detail="too many failed sign-ins from here")
    return RedirectResponse(wait_page, status_code=303)


@router.get("/login/code")
async def code_page(request: Request, db: Db, problem: str = "") -> Response:
    """The second step: the code from the authenticator app, or a recovery code."""
    with db.session() as session:
        found = find_pending(session, request.cookies.get(PENDING_COOKIE))
        csrf = found[0].csrf_token if found else ""
    if not found:
        return RedirectResponse("/console/login?problem=expired", status_code=303)
    return templates.TemplateResponse(
        request,
        "login_code.html",
        {"me": None, "csrf": csrf, "problem": CODE_PROBLEMS.get(problem, "")},
    )


@router.post("/login/code")
async def code(request: Request, settings: AppSettings, db: Db, vault: Sealing) -> Response:
    check_origin(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    secret = failure_secret(settings.pseudonym_key)
    try:
        passed = _second_step(db, vault, request, form, secret, session_token(request, settings))
    except LoginRefusedError as refused:
        return _refused(refused, f"{CODE_PAGE}?problem=wait")
    if isinstance(passed, str):
        return RedirectResponse(passed, status_code=303)
    return _signed_in(passed, settings, secret)


def _second_step(
    db: Database,
    vault: Vault,
    request: Request,
    form: dict[str, str],
    secret: bytes,
    old_token: str | None,
) -> Passed | str:
    """A session when the code is right; otherwise where to go (the code page again, or
    the sign-in page when the pending sign-in has expired or the form is forged)."""
    token = request.cookies.get(PENDING_COOKIE)
    with db.session() as session:
        found = find_pending(session, token)
        if found is None or not same_token(found[0].csrf_token, form.get("csrf")):
            return "/console/login?problem=expired"
        staff, now = found[1], auth.clock()
        # Wrong codes count with wrong passwords: one delay per account, whichever is guessed.
        keys = guard(session, caller(request, staff.username), secret=secret, now=now)
        accepted = check_code(session, staff, vault, form.get("code", "")[:64], now)
        if accepted is None:
            count_failure(session, keys, now)
            audit.record(session, staff, "sign-in code wrong")
            return f"{CODE_PAGE}?problem=wrong"
        end_pending(session, token)
        detail = "with a recovery code" if accepted.recovery else ""
        new_token = _start(session, staff, old_token, detail)
        return Passed(staff, new_token, recovery=accepted.recovery)


@router.post("/logout")
async def logout(request: Request, me: Staff, db: Db, settings: AppSettings) -> RedirectResponse:
    await checked_form(request, me)
    with db.session() as session:
        end_session(session, session_token(request, settings))
        audit.record(session, me.staff, "signed out")
    response = RedirectResponse("/console/login", status_code=303)
    name, path = session_cookie(settings)
    # With the attributes it was set with: a browser refuses a `__Host-` one without Secure.
    response.delete_cookie(
        name, path=path, secure=settings.secure_cookies, httponly=True, samesite="strict"
    )
    return response


def set_cookie(
    response: Response,
    name: str,
    value: str,
    settings: Settings,
    *,
    max_age: int | None,
    path: str = "/console",
) -> None:
    """Only for the console, never readable by a script, never sent from another site;
    `max_age=None` makes a cookie that ends with the browser session."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
