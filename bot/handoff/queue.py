"""Ticket records, shared by the action server (which opens them) and the gateway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.store import Author, Contact, Ticket, TicketMessage, TicketStatus
from bot.store.models import utcnow
from bot.store.tickets import OPEN_STATUSES


def open_ticket_of(session: Session, pseudonym: str) -> Ticket | None:
    return session.scalars(
        select(Ticket)
        .where(Ticket.pseudonym == pseudonym, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id.desc())
        .limit(1)
    ).first()


# Built once: every message runs it, and building it again each time (and its cache key)
# cost as much CPU as running it.
_CONTACT_AND_OPEN_TICKET = (
    select(Contact, Ticket)
    .outerjoin(
        Ticket, and_(Ticket.pseudonym == Contact.pseudonym, Ticket.status.in_(OPEN_STATUSES))
    )
    .where(Contact.pseudonym == bindparam("pseudonym"))
    .order_by(Ticket.id.desc())  # without a ticket, the one row has none to order by
    .limit(1)
)


def contact_and_open_ticket(
    session: Session, pseudonym: str
) -> tuple[Contact | None, Ticket | None]:
    """The person and their open ticket (as `open_ticket_of` finds it) in one query: every
    message needs both, and a round trip less is a share of the gateway's own time."""
    found = session.execute(_CONTACT_AND_OPEN_TICKET, {"pseudonym": pseudonym}).first()
    return (found[0], found[1]) if found is not None else (None, None)


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


# -- what the staff console lists and counts ---------------------------------------------------
# The console asks these rather than writing ticket queries of its own.


def queued_tickets(session: Session) -> list[tuple[Ticket, Contact]]:
    """Tickets waiting for a worker, with their contacts."""
    return _listed(session, Ticket.status == TicketStatus.QUEUED)


def open_tickets_claimed_by(session: Session, staff_id: int) -> list[tuple[Ticket, Contact]]:
    """One worker's open tickets, with their contacts."""
    return _listed(session, Ticket.claimed_by == staff_id, Ticket.status.in_(OPEN_STATUSES))


def open_tickets_or_closed_since(session: Session, since: datetime) -> list[tuple[Ticket, Contact]]:
    """Every open ticket, and those closed since `since`, with their contacts."""
    return _listed(session, or_(Ticket.status.in_(OPEN_STATUSES), Ticket.closed_at >= since))


def _listed(session: Session, *conditions: ColumnElement[bool]) -> list[tuple[Ticket, Contact]]:
    # Emergencies first, then whoever has waited longest.
    query = (
        select(Ticket, Contact)
        .join(Contact, Contact.pseudonym == Ticket.pseudonym)
        .where(*conditions)
        .order_by(Ticket.urgent.desc(), Ticket.created_at)
    )
    return [(ticket, contact) for ticket, contact in session.execute(query)]


def queued_count(session: Session) -> int:
    """How many tickets wait for a worker."""
    count = session.scalar(
        select(func.count(Ticket.id)).where(Ticket.status == TicketStatus.QUEUED)
    )
    return count or 0


def claimed_count(session: Session, staff_id: int) -> int:
    """How many tickets this worker has claimed and not yet closed."""
    count = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.claimed_by == staff_id, Ticket.status == TicketStatus.CLAIMED
        )
    )
    return count or 0


def newest_ticket_id(session: Session) -> int:
    """The highest ticket number so far (0 before the first): an open console sees a new one."""
    return session.scalar(select(func.max(Ticket.id))) or 0


def newest_urgent_queued_id(session: Session) -> int:
    """The highest number of an emergency still waiting (0 if none): consoles flag it."""
    newest = session.scalar(
        select(func.max(Ticket.id)).where(
            Ticket.status == TicketStatus.QUEUED, Ticket.urgent.is_(True)
        )
    )
    return newest or 0
