"""Ticket records, shared by the action server (which opens them) and the gateway."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import Author, Ticket, TicketMessage, TicketStatus
from bot.store.models import utcnow
from bot.store.tickets import OPEN_STATUSES


def open_ticket_of(session: Session, pseudonym: str) -> Ticket | None:
    return session.scalars(
        select(Ticket)
        .where(Ticket.pseudonym == pseudonym, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()


def open_ticket(
    session: Session, pseudonym: str, *, urgent: bool, wants_woman_worker: bool | None
) -> Ticket:
    """A new queued ticket; asking again while one is open updates that one instead."""
    ticket = open_ticket_of(session, pseudonym)
    now = utcnow()
    if ticket is None:
        ticket = Ticket(
            pseudonym=pseudonym,
            status=TicketStatus.QUEUED,
            urgent=urgent,
            wants_woman_worker=wants_woman_worker,
            created_at=now,
            updated_at=now,
            waiting_notice_at=now,  # they were just told that a worker will come
        )
        session.add(ticket)
    else:
        ticket.urgent = ticket.urgent or urgent
        ticket.exited_at = None  # they asked again, after a quick exit: staff may write again
        if wants_woman_worker is not None:
            ticket.wants_woman_worker = wants_woman_worker
        ticket.updated_at = now
    session.flush()
    return ticket


def add_message(
    session: Session,
    ticket: Ticket,
    author: Author,
    text_sealed: bytes,
    staff_id: int | None = None,
) -> TicketMessage:
    now = utcnow()
    message = TicketMessage(
        ticket_id=ticket.id, author=author, staff_id=staff_id, text_sealed=text_sealed, sent_at=now
    )
    session.add(message)
    ticket.updated_at = now
    if author is Author.STAFF:
        ticket.last_staff_at = now
    session.flush()
    return message


def queue_version(session: Session) -> str:
    """Changes whenever any ticket does: open consoles compare it to know when to refresh."""
    count, latest = session.execute(
        select(func.count(Ticket.id), func.max(Ticket.updated_at))
    ).one()
    stamp = latest.isoformat() if latest is not None else "-"
    return f"{count}:{stamp}"
