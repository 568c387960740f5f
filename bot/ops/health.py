"""`GET /healthz`: each part's status, for the load balancer and for whoever is on call."""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, Request
from sqlalchemy import text

log = logging.getLogger(__name__)

router = APIRouter()


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


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, object]:
    """Status of each part; `ok` only when all are up."""
    state = request.app.state
    engines = await state.engine.health()
    parts = {
        "engine": any(engines.values()),
        "actions": await _actions_up(state.http, state.settings.actions_url),
        "database": _database_up(request),
    }
    return {
        "status": "ok" if all(parts.values()) else "degraded",
        **{name: "ok" if up else "down" for name, up in parts.items()},
        "waiting_messages": state.conversations.pending_count(),
        # Several engine replicas: each one's health and how many messages it answered.
        "engines": {
            number: {"status": "ok" if up else "down", "answered": replica.answered}
            for (number, up), replica in zip(engines.items(), state.engine.replicas, strict=True)
        },
    }
