"""What a worker does with a ticket: claim it, reply through the person's channel (typed or
canned), write the needs summary, close it. Each is audited and lands back on the ticket."""

from __future__ import annotations

import functools

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.console import audit
from bot.console.access import Staff, allowed_ticket, checked_form, need
from bot.console.dependencies import AppSettings, Db, Desk, RowId, Triggers
from bot.console.ticket_page import show_ticket
from bot.handoff.canned import load_canned_replies
from bot.handoff.desk import ReplyTooLongError, TicketNotOpenError
from bot.store import CloseReason, Role
from bot.wording.preview import PREVIEW_CHARS, trigger_in_preview
from bot.wording.render import plain
from bot.wording.segments import MAX_SEGMENTS

MAX_SUMMARY = 1000

router = APIRouter()


@router.post("/tickets/{ticket_id}/claim")
async def claim(
    request: Request, ticket_id: RowId, me: Staff, db: Db, desk: Desk
) -> RedirectResponse:
    need(me, Role.WORKER, Role.ADMIN)
    await checked_form(request, me)
    with db.session() as session:
        allowed_ticket(session, ticket_id, me.staff)
    claimed = desk.claim(ticket_id, me.staff.id)
    with db.session() as session:
        audit.record(session, me.staff, "claimed" if claimed else "claim lost", ticket_id=ticket_id)
    return back(ticket_id, "claimed" if claimed else "taken")


@router.post("/tickets/{ticket_id}/reply")
async def reply(
    request: Request,
    ticket_id: RowId,
    me: Staff,
    db: Db,
    desk: Desk,
    settings: AppSettings,
    triggers: Triggers,
) -> Response:
    need(me, Role.WORKER, Role.ADMIN)
    form = await checked_form(request, me)
    with db.session() as session:
        ticket = allowed_ticket(session, ticket_id, me.staff)
        if ticket.claimed_by != me.staff.id:
            raise HTTPException(status_code=403, detail="claim the ticket before replying")
    canned = form.get("canned") or None
    text = (form.get("text") or "").strip()
    # The ticket page again, with the draft kept for a second look.
    again = functools.partial(show_ticket, request, ticket_id, me, db, desk, settings.content_dir)
    if canned is not None:
        if canned not in {c.key for c in load_canned_replies(settings.content_dir)}:
            raise HTTPException(status_code=400, detail="unknown canned reply")
        text = ""
    elif not text:
        return back(ticket_id, "empty")
    elif plain(text).segments > MAX_SEGMENTS:
        return again("long", draft=text)
    elif (word := trigger_in_preview(text, triggers)) and form.get("send_anyway") != "yes":
        # Rule 12: someone may read the lock screen. Say so once; the worker decides.
        warning = (
            f"“{word}” is in the first {PREVIEW_CHARS} characters, which a locked phone "
            "shows. Move it later, or send anyway."
        )
        return again("", draft=text, warning=warning)
    try:
        sent = await desk.reply(ticket_id, me.staff.id, text or None, canned)
    except TicketNotOpenError:
        return back(ticket_id, "gone")
    except ReplyTooLongError:
        return again("long", draft=text)
    if sent.held:
        return back(ticket_id, "held")
    with db.session() as session:
        detail = f"canned {canned}" if canned else f"{sent.segments} SMS segment(s)"
        audit.record(session, me.staff, "replied", ticket_id=ticket_id, detail=detail)
    return back(ticket_id, "waiting" if sent.waiting else "sent")


@router.post("/tickets/{ticket_id}/summary")
async def summary(
    request: Request, ticket_id: RowId, me: Staff, db: Db, desk: Desk
) -> RedirectResponse:
    need(me, Role.WORKER, Role.ADMIN)
    form = await checked_form(request, me)
    text = (form.get("summary") or "").strip()[:MAX_SUMMARY]
    with db.session() as session:
        ticket = allowed_ticket(session, ticket_id, me.staff)
        # A queued ticket is open to every worker, but its summary is for whoever takes it.
        if ticket.claimed_by != me.staff.id and me.staff.role != Role.ADMIN:
            raise HTTPException(
                status_code=403, detail="claim the ticket before writing its summary"
            )
    desk.save_summary(ticket_id, text)
    with db.session() as session:
        audit.record(session, me.staff, "wrote needs summary", ticket_id=ticket_id)
    return back(ticket_id, "saved")


@router.post("/tickets/{ticket_id}/close")
async def close(
    request: Request, ticket_id: RowId, me: Staff, db: Db, desk: Desk
) -> RedirectResponse:
    need(me, Role.WORKER, Role.ADMIN)
    await checked_form(request, me)
    with db.session() as session:
        ticket = allowed_ticket(session, ticket_id, me.staff)
        if ticket.claimed_by != me.staff.id and me.staff.role != Role.ADMIN:
            raise HTTPException(status_code=403, detail="claim the ticket before closing it")
    closed = await desk.close(ticket_id, me.staff.id, CloseReason.WORKER)
    with db.session() as session:
        audit.record(
            session,
            me.staff,
            "closed" if closed else "close: was not open",
            ticket_id=ticket_id,
        )
    return back(ticket_id, "closed" if closed else "gone")


def back(ticket_id: int, done: str) -> RedirectResponse:
    """To the ticket, saying how the action went (ticket_page.NOTICES)."""
    return RedirectResponse(f"/console/tickets/{ticket_id}?done={done}", status_code=303)
