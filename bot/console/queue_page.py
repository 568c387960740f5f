"""The queues: tickets waiting for a worker, a worker's own, and (for admins) all of them,
kept current in an open page by server-sent events."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console.access import (
    Staff,
    Watching,
    need,
    session_limits,
    session_token,
    start_page,
)
from bot.console.auth import SignedIn, find_session, staff_names
from bot.console.dependencies import AppSettings, Db, Desk
from bot.console.rendering import page
from bot.console.rows import TicketRow, ticket_row
from bot.handoff.queue import (
    claimed_count,
    newest_ticket_id,
    newest_urgent_queued_id,
    open_tickets_claimed_by,
    open_tickets_or_closed_since,
    queue_version,
    queued_count,
    queued_tickets,
)
from bot.store import Database, Role, StaffMember
from bot.store.models import utcnow
from bot.wording.catalogs import Catalogs

EVENTS_POLL_SECONDS = 0.5  # how soon an open console sees a new ticket
EVENTS_PING_SECONDS = 15.0
EVENTS_MAX_SECONDS = 300.0  # the browser reconnects; a closed tab's stream ends by itself
QUEUE_VIEWS = ("unassigned", "mine", "all")
CLOSED_LISTED_FOR = timedelta(days=1)  # in the admins' "all" view

router = APIRouter()


@router.get("")
async def home(me: Staff) -> RedirectResponse:
    return RedirectResponse(start_page(me.staff.role), status_code=303)


@router.get("/queue")
async def queue_page(
    request: Request, me: Staff, db: Db, desk: Desk, view: str = "unassigned"
) -> Response:
    return show_queue(request, me, db, desk.catalogs, view, "queue.html")


@router.get("/queue/rows")
async def queue_rows(
    request: Request, me: Watching, db: Db, desk: Desk, view: str = "unassigned"
) -> Response:
    """Just the rows, for an open queue page to swap in when the queue changes (not a
    person's action: the session's idle time runs on)."""
    return show_queue(request, me, db, desk.catalogs, view, "_queue_rows.html")


@router.get("/events")
async def events(
    request: Request, me: Watching, db: Db, settings: AppSettings
) -> StreamingResponse:
    """Server-sent events: the queue's version whenever any ticket changes. Neither the stream
    nor its reconnects keep the session alive: only what the person does."""
    need(me, Role.WORKER, Role.ADMIN)
    token = session_token(request, settings)
    state = functools.partial(queue_state, db, token, me.staff, settings)
    return StreamingResponse(
        queue_events(request, state),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def show_queue(
    request: Request, me: SignedIn, db: Database, catalogs: Catalogs, view: str, template: str
) -> Response:
    need(me, Role.WORKER, Role.ADMIN)
    view = chosen_view(view, me)
    with db.session() as session:
        rows = listed(session, view, me.staff, catalogs)
        counts = queue_counts(session, me.staff)
    return page(request, template, me, view=view, rows=rows, counts=counts)


def chosen_view(view: str, me: SignedIn) -> str:
    """The view asked for, if it is one this staff member may see; else the waiting tickets."""
    if view not in QUEUE_VIEWS or (view == "all" and me.staff.role != Role.ADMIN):
        return "unassigned"
    return view


def listed(session: Session, view: str, staff: StaffMember, catalogs: Catalogs) -> list[TicketRow]:
    if view == "unassigned":
        found = queued_tickets(session)
    elif view == "mine":
        found = open_tickets_claimed_by(session, staff.id)
    else:  # all, for admins: open ones, and those closed lately
        found = open_tickets_or_closed_since(session, utcnow() - CLOSED_LISTED_FOR)
    names = staff_names(session)
    return [ticket_row(ticket, contact, names, catalogs) for ticket, contact in found]


def queue_counts(session: Session, staff: StaffMember) -> dict[str, int]:
    """The numbers on the queue tabs."""
    return {"unassigned": queued_count(session), "mine": claimed_count(session, staff.id)}


def queue_state(
    db: Database, token: str | None, staff: StaffMember, settings: Settings
) -> dict[str, Any] | None:
    """What an open console is told of the queue; None once its session has ended."""
    idle, lifetime = session_limits(settings)
    with db.session() as session:
        if find_session(session, token, idle=idle, lifetime=lifetime, touch=False) is None:
            return None  # signed out or timed out meanwhile: the stream ends
        return {
            "version": queue_version(session),
            "newest": newest_ticket_id(session),
            "newest_urgent": newest_urgent_queued_id(session),
            **queue_counts(session, staff),
        }


async def queue_events(
    request: Request, state: Callable[[], dict[str, Any] | None]
) -> AsyncIterator[str]:
    """The event stream: the state whenever its version changes, a ping when quiet."""
    last, quiet, started = None, 0.0, asyncio.get_running_loop().time()
    yield "retry: 1000\n\n"
    while asyncio.get_running_loop().time() - started < EVENTS_MAX_SECONDS:
        if await request.is_disconnected():
            return
        current = await asyncio.to_thread(state)
        if current is None:
            yield "event: signed-out\ndata: {}\n\n"
            return
        if current["version"] != last:
            last, quiet = current["version"], 0.0
            yield f"event: queue\ndata: {json.dumps(current)}\n\n"
        elif quiet >= EVENTS_PING_SECONDS:
            quiet = 0.0
            yield ": ping\n\n"
        await asyncio.sleep(EVENTS_POLL_SECONDS)
        quiet += EVENTS_POLL_SECONDS
