"""Security headers on every response, and console errors as pages rather than JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.console.access import (
    TWO_FACTOR_PAGE,
    NotSignedInError,
    PasswordChangeNeededError,
    TwoFactorNeededError,
)
from bot.console.rendering import templates

CONSOLE_STATIC = Path(__file__).parent / "static"

# No inline script or style, nothing from elsewhere, never inside a frame (clickjacking),
# no referrer (a console URL never leaves the browser).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith("/console") and not request.url.path.startswith(
        "/console/static"
    ):
        response.headers["Cache-Control"] = "no-store"  # conversations never sit in a cache
    if request.url.scheme == "https":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def install_console_handlers(app: FastAPI) -> None:
    """Console errors as pages, and a missing session as sign-in (or 401 for a script)."""
    app.exception_handler(NotSignedInError)(not_signed_in)
    app.exception_handler(PasswordChangeNeededError)(password_change_needed)
    app.exception_handler(TwoFactorNeededError)(two_factor_needed)
    app.exception_handler(StarletteHTTPException)(http_error)  # FastAPI's HTTPException too


async def not_signed_in(request: Request, _exc: NotSignedInError) -> Response:
    """A page asked for goes to sign-in; a script (events, a form post) gets 401."""
    wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
    if wants_page:
        return RedirectResponse("/console/login", status_code=303)
    return JSONResponse({"detail": "sign in first"}, status_code=401)


async def password_change_needed(request: Request, _exc: PasswordChangeNeededError) -> Response:
    """After an admin's reset, every page leads to the password page; scripts get 403."""
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/console/password", status_code=303)
    return JSONResponse({"detail": "choose a new password first"}, status_code=403)


async def two_factor_needed(request: Request, _exc: TwoFactorNeededError) -> Response:
    """Until two-step sign-in is on (where it is required), every page leads to its set-up."""
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(TWO_FACTOR_PAGE, status_code=303)
    return JSONResponse({"detail": "set up two-step sign-in first"}, status_code=403)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An error page in the console; JSON, as FastAPI would answer, everywhere else."""
    if not request.url.path.startswith("/console"):
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "me": None,
            "csrf": "",
            "status": exc.status_code,
            "title": HTTPStatus(exc.status_code).phrase,
            "detail": exc.detail,
        },
        status_code=exc.status_code,
    )
