"""Health for an orchestrator, and the details for whoever is on call.

* `GET /healthz/live`: 200 while the process serves; it checks nothing else, so a restart
  policy never kills a gateway that is only waiting for the engine.
* `GET /healthz/ready`: 200 when the database and at least one engine answer, 503 otherwise.
* `GET /healthz`: always 200, with the status in the body (`rahnuma run` waits on it).

The details (each part, waiting messages, each engine's answered count) tell when survivors
write, so only loopback or the engine's token sees them; anyone else gets the status alone.
"""

from __future__ import annotations

import hmac
import logging
from ipaddress import ip_address

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

log = logging.getLogger(__name__)

router = APIRouter()

# A proxy in front adds one of these: through it, even a loopback peer is someone outside.
_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded")


async def _actions_up(client: httpx.AsyncClient, actions_url: str) -> bool:
    try:
        answer = await client.get(f"{actions_url}/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def _database_up(request: Request) -> bool:
    try:
        with request.app.state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("database health check failed")
        return False
    return True


def _from_loopback(request: Request) -> bool:
    if request.client is None or any(h in request.headers for h in _FORWARDING_HEADERS):
        return False
    try:
        return ip_address(request.client.host).is_loopback
    except ValueError:  # a name, not an address (a test client)
        return False


def may_see_details(request: Request) -> bool:
    """Loopback without a proxy in between, or `Authorization: Bearer <RAHNUMA_RASA_TOKEN>`."""
    if _from_loopback(request):
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = request.app.state.settings.rasa_token
    return (
        scheme.lower() == "bearer"
        and bool(expected)
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    )


def _details(
    request: Request, parts: dict[str, bool], engines: dict[str, bool]
) -> dict[str, object]:
    state = request.app.state
    depth, oldest = state.conversations.outbox.backlog()
    return {
        **{name: "ok" if up else "down" for name, up in parts.items()},
        "waiting_messages": state.conversations.pending_count(),
        # Replies a provider has not accepted yet, and how long the oldest has waited (s).
        "outbox": {"waiting": depth, "oldest_seconds": oldest},
        # Messages received but not yet answered (a turn under way, or left behind).
        "inbox": {"waiting": state.intake.inbox.depth()},
        # Several engine replicas: each one's health and how many messages it answered.
        "engines": {
            number: {"status": "ok" if up else "down", "answered": replica.answered}
            for (number, up), replica in zip(engines.items(), state.engine.replicas, strict=True)
        },
    }


async def _answer(request: Request, *, ready_code: bool) -> JSONResponse:
    state = request.app.state
    engines = await state.engine.health()
    parts = {"engine": any(engines.values()), "database": _database_up(request)}
    ready = all(parts.values())
    body: dict[str, object] = {}
    if may_see_details(request):
        parts["actions"] = await _actions_up(state.http, state.settings.actions_url)
        body = _details(request, parts, engines)
    # `status` in the overview counts the actions too, as it always did.
    overall = ready if ready_code else all(parts.values())
    body = {"status": "ok" if overall else "degraded", **body}
    code = 200 if ready or not ready_code else 503
    return JSONResponse(body, status_code=code)


@router.get("/healthz/live")
async def live() -> dict[str, str]:
    """200 while this process serves requests; no dependency is asked."""
    return {"status": "ok"}


@router.get("/healthz/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when the database and at least one engine answer, 503 ("degraded") otherwise."""
    return await _answer(request, ready_code=True)


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Always 200; `status` is "ok" only when every part (actions too) is up."""
    return await _answer(request, ready_code=False)
