"""Signing in and out of the console.

The sign-in form carries its own CSRF token (in a cookie, before there is a session); every
sign-in starts a fresh session, so a cookie planted beforehand is never honoured.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.config import Settings
from bot.console import audit
from bot.console.access import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Staff,
    check_origin,
    checked_form,
    session_limits,
    start_page,
)
from bot.console.auth import (
    DEVICE_COOKIE_DAYS,
    Attempt,
    LoginRefusedError,
    check_password,
    device_cookie,
    end_session,
    failure_secret,
    forget_old_failures,
    same_token,
    start_session,
)
from bot.console.dependencies import AppSettings, Db
from bot.console.rendering import templates
from bot.store import Database, StaffMember

router = APIRouter()

DEVICE_COOKIE = "rahnuma_device"  # this browser signed in to the account before (auth.py)

LOGIN_PROBLEMS = {
    "wrong": "Wrong username or password.",
    "wait": "Several wrong passwords for this account lately. Wait a minute, then try again.",
    "expired": "The sign-in form expired. Please try again.",
}


@router.get("/login")
async def login_page(request: Request, settings: AppSettings, problem: str = "") -> HTMLResponse:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
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
    attempt = Attempt(
        username=str(form.get("username") or "")[:64],
        password=str(form.get("password") or "")[:256],
        client=request.client.host if request.client else "-",
        device=request.cookies.get(DEVICE_COOKIE),
    )
    secret = failure_secret(settings.pseudonym_key)
    # argon2 takes tens of milliseconds of CPU on purpose: on the event loop, a stream of
    # guesses would stall every webhook and live page of this gateway, so it runs in a thread.
    try:
        signed = await run_in_threadpool(
            _sign_in, db, attempt, secret, request.cookies.get(SESSION_COOKIE)
        )
    except LoginRefusedError as refused:
        if refused.reason == "client":
            raise HTTPException(
                status_code=429, detail="too many failed sign-ins from here"
            ) from None
        return RedirectResponse("/console/login?problem=wait", status_code=303)
    if signed is None:
        return RedirectResponse("/console/login?problem=wrong", status_code=303)
    staff, token = signed
    where = "/console/password" if staff.must_change_password else start_page(staff.role)
    response = RedirectResponse(where, status_code=303)
    _, lifetime = session_limits(settings)
    set_cookie(response, SESSION_COOKIE, token, settings, max_age=int(lifetime.total_seconds()))
    set_cookie(response, DEVICE_COOKIE, device_cookie(secret, staff.username), settings,
               max_age=DEVICE_COOKIE_DAYS * 86400)  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


def _sign_in(
    db: Database, attempt: Attempt, secret: bytes, old_token: str | None
) -> tuple[StaffMember, str] | None:
    """Check the password and start a session (in a worker thread: see `login`)."""
    with db.session() as session:
        forget_old_failures(session)
        staff = check_password(session, attempt, secret=secret)
        if staff is None:
            audit.record(session, None, "sign-in failed", username="-")
            return None
        # A fresh session every time: a cookie planted before sign-in is never honoured.
        end_session(session, old_token)
        token = start_session(session, staff)
        audit.record(session, staff, "signed in")
        return staff, token


@router.post("/logout")
async def logout(request: Request, me: Staff, db: Db) -> RedirectResponse:
    await checked_form(request, me)
    with db.session() as session:
        end_session(session, request.cookies.get(SESSION_COOKIE))
        audit.record(session, me.staff, "signed out")
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


def set_cookie(
    response: Response, name: str, value: str, settings: Settings, *, max_age: int
) -> None:
    """Only for /console, never readable by a script, never sent from another site."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
