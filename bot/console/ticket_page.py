"""One ticket: the conversation since the person agreed to the handoff, kept live in an open
page. Every view of a conversation is audited."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.console import audit
from bot.console.access import Staff, Watching, allowed_ticket, need
from bot.console.auth import SignedIn, staff_names
from bot.console.dependencies import AfterId, AppSettings, Db, Desk, RowId
from bot.console.rendering import page
from bot.console.rows import shown_message, ticket_row
from bot.handoff.canned import load_canned_replies
from bot.handoff.desk import MAX_STAFF_REPLY, HandoffDesk
from bot.store import Contact, Database, Role, TicketStatus

router = APIRouter()

# What `?done=` says after an action on the ticket (ticket_actions.py).
NOTICES = {
    "claimed": "You have this ticket now.",
    "taken": "Someone else claimed this ticket first.",
    "sent": "Sent.",
    "waiting": (
        "Not delivered yet: the phone network did not take it just now. It is kept and goes "
        "out by itself, in order, as soon as it does. No need to send it again."
    ),
    "saved": "Summary saved.",
    "closed": "Closed: the person is back with the bot and was told so.",
    "empty": "Nothing to send.",
    "long": "A reply must fit two SMS: 306 Latin letters, or 134 with any Urdu letter.",
    "gone": "This ticket is no longer open.",
    "held": "Not sent: the person used quick exit. It is kept here; wait until they write.",
}


@router.get("/tickets/{ticket_id}")
async def ticket_page(
    request: Request,
    ticket_id: RowId,
    me: Staff,
    db: Db,
    desk: Desk,
    settings: AppSettings,
    done: str = "",
) -> Response:
    need(me, Role.WORKER, Role.ADMIN)
    return show_ticket(request, ticket_id, me, db, desk, settings.content_dir, done)


@router.get("/tickets/{ticket_id}/messages")
async def ticket_messages(
    request: Request,
    ticket_id: RowId,
    me: Watching,
    db: Db,
    desk: Desk,
    after: AfterId = 0,
) -> Response:
    """New lines of a conversation, for an open ticket page (live; the idle time runs on)."""
    need(me, Role.WORKER, Role.ADMIN)
    with db.session() as session:
        ticket = allowed_ticket(session, ticket_id, me.staff)
        names = staff_names(session)
        status, contact = ticket.status, session.get(Contact, ticket.pseudonym)
    messages = desk.conversation(ticket_id, after=after)
    if messages:
        with db.session() as session:
            audit.record(
                session,
                me.staff,
                "viewed new messages",
                ticket_id=ticket_id,
                detail=f"{len(messages)} new",
            )
    response = page(
        request,
        "_messages.html",
        me,
        messages=[shown_message(m, names, contact) for m in messages],
    )
    response.headers["X-Ticket-Status"] = status
    response.headers["X-Last-Message"] = str(messages[-1].id if messages else after)
    return response


def show_ticket(
    request: Request,
    ticket_id: int,
    me: SignedIn,
    db: Database,
    desk: HandoffDesk,
    content_dir: Path,
    done: str,
    draft: str = "",
    warning: str = "",
) -> Response:
    """The ticket; `draft` and `warning` when a reply needs a second look before sending."""
    with db.session() as session:
        ticket = allowed_ticket(session, ticket_id, me.staff)
        contact = session.get(Contact, ticket.pseudonym)
        audit.record(session, me.staff, "viewed conversation", ticket_id=ticket.id)
        names = staff_names(session)
        row = ticket_row(ticket, contact, names, desk.catalogs)
    messages = desk.conversation(ticket_id)
    language = contact.language if contact else "en"
    canned = [
        {"key": c.key, "label": c.label, "text": desk.catalogs.render(language, c.key)}
        for c in load_canned_replies(content_dir)
    ]
    return page(
        request,
        "ticket.html",
        me,
        ticket=row,
        mine=ticket.claimed_by == me.staff.id and ticket.status == TicketStatus.CLAIMED,
        messages=[shown_message(m, names, contact) for m in messages],
        last_id=messages[-1].id if messages else 0,
        summary=desk.summary(ticket),
        may_write_summary=ticket.claimed_by == me.staff.id or me.staff.role == Role.ADMIN,
        canned=canned,
        notice=NOTICES.get(done, ""),
        max_reply=MAX_STAFF_REPLY,
        draft=draft,
        warning=warning,
    )
