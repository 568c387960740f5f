"""Signing in and out of the console.

The sign-in form carries its own CSRF token (in a cookie, before there is a session); every
sign-in starts a fresh session, so a cookie planted beforehand is never honoured.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
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
    LoginRefusedError,
    check_password,
    end_session,
    forget_old_failures,
    same_token,
    start_session,
)
from bot.console.dependencies import AppSettings, Db
from bot.console.rendering import templates

router = APIRouter()

LOGIN_PROBLEMS = {
    "wrong": "Wrong username or password.",
    "locked": "Too many failed attempts for this account. Try again in 15 minutes.",
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
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    client = request.client.host if request.client else "-"
    with db.session() as session:
        forget_old_failures(session)
        try:
            staff = check_password(session, username[:64], password[:256], client)
        except LoginRefusedError as refused:
            if refused.reason == "client":
                raise HTTPException(
                    status_code=429, detail="too many failed sign-ins from here"
                ) from None
            return RedirectResponse("/console/login?problem=locked", status_code=303)
        if staff is None:
            audit.record(session, None, "sign-in failed", username="-")
            return RedirectResponse("/console/login?problem=wrong", status_code=303)
        # A fresh session every time: a cookie planted before sign-in is never honoured.
        end_session(session, request.cookies.get(SESSION_COOKIE))
        token = start_session(session, staff)
        audit.record(session, staff, "signed in")
    response = RedirectResponse(start_page(staff.role), status_code=303)
    _, lifetime = session_limits(settings)
    set_cookie(response, SESSION_COOKIE, token, settings, max_age=int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


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
