"""The ticket queries the gateway shares: what the console lists and counts, on SQLite and
PostgreSQL. (Opening tickets is tested with the desk, through the pipeline.)"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.handoff.queue import (
    claimed_count,
    newest_ticket_id,
    newest_urgent_queued_id,
    open_ticket,
    open_tickets_claimed_by,
    open_tickets_or_closed_since,
    queue_version,
    queued_count,
    queued_tickets,
)
from bot.store import Contact, Database, Role, StaffMember, Ticket, TicketStatus
from bot.store.models import utcnow

START = utcnow() - timedelta(hours=1)


def asking(session: Session, name: str, minute: int, *, urgent: bool = False) -> Ticket:
    """A person on SMS who asked for a worker `minute` minutes after START."""
    session.add(Contact(pseudonym=name, channel="sms", address_sealed=b"-", language="en"))
    ticket = open_ticket(session, name, urgent=urgent, wants_woman_worker=None)
    ticket.created_at = START + timedelta(minutes=minute)
    session.flush()
    return ticket


def staff(session: Session, username: str) -> StaffMember:
    member = StaffMember(
        username=username, display_name=username, role=Role.WORKER, password_hash="-"
    )
    session.add(member)
    session.flush()
    return member


def claim(ticket: Ticket, member: StaffMember) -> None:
    ticket.status, ticket.claimed_by = TicketStatus.CLAIMED, member.id


def close(ticket: Ticket, minutes_ago: int) -> None:
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, utcnow() - timedelta(minutes=minutes_ago)


def ids(found: list[tuple[Ticket, Contact]]) -> list[int]:
    assert all(ticket.pseudonym == contact.pseudonym for ticket, contact in found)
    return [ticket.id for ticket, _ in found]


def test_the_waiting_list_puts_emergencies_first_then_whoever_waited_longest(
    database: Database,
) -> None:
    with database.session() as session:
        first, later = asking(session, "p1", 1), asking(session, "p2", 2)
        urgent = asking(session, "p3", 3, urgent=True)
        claim(asking(session, "p4", 0), staff(session, "amina"))
        close(asking(session, "p5", 0), minutes_ago=5)
        session.flush()
        assert ids(queued_tickets(session)) == [urgent.id, first.id, later.id]


def test_a_workers_list_holds_their_open_tickets_only(database: Database) -> None:
    with database.session() as session:
        amina, bilal = staff(session, "amina"), staff(session, "bilal")
        mine, theirs = asking(session, "p1", 1), asking(session, "p2", 2)
        done = asking(session, "p3", 3)
        asking(session, "p4", 4)
        claim(mine, amina)
        claim(theirs, bilal)
        claim(done, amina)
        close(done, minutes_ago=1)
        session.flush()
        assert ids(open_tickets_claimed_by(session, amina.id)) == [mine.id]
        assert ids(open_tickets_claimed_by(session, bilal.id)) == [theirs.id]


def test_the_full_list_holds_open_tickets_and_those_closed_since(database: Database) -> None:
    with database.session() as session:
        queued, claimed = asking(session, "p1", 1), asking(session, "p2", 2, urgent=True)
        lately, long_ago = asking(session, "p3", 3), asking(session, "p4", 4)
        claim(claimed, staff(session, "amina"))
        close(lately, minutes_ago=30)
        close(long_ago, minutes_ago=600)
        session.flush()
        since = utcnow() - timedelta(hours=2)
        assert ids(open_tickets_or_closed_since(session, since)) == [
            claimed.id,
            queued.id,
            lately.id,
        ]


def test_counts_are_of_waiting_tickets_and_of_a_workers_claimed_ones(database: Database) -> None:
    with database.session() as session:
        assert queued_count(session) == 0
        amina = staff(session, "amina")
        assert claimed_count(session, amina.id) == 0
        asking(session, "p1", 1)
        asking(session, "p2", 2, urgent=True)
        claim(asking(session, "p3", 3), amina)
        done = asking(session, "p4", 4)
        claim(done, amina)
        close(done, minutes_ago=1)
        session.flush()
        assert queued_count(session) == 2
        assert claimed_count(session, amina.id) == 1  # a closed ticket no longer counts


def test_the_newest_ticket_and_the_newest_waiting_emergency(database: Database) -> None:
    with database.session() as session:
        assert (newest_ticket_id(session), newest_urgent_queued_id(session)) == (0, 0)
        urgent = asking(session, "p1", 1, urgent=True)
        calm = asking(session, "p2", 2)
        session.flush()
        assert (newest_ticket_id(session), newest_urgent_queued_id(session)) == (calm.id, urgent.id)
        claim(urgent, staff(session, "amina"))  # no longer waiting
        session.flush()
        assert (newest_ticket_id(session), newest_urgent_queued_id(session)) == (calm.id, 0)


def test_the_version_changes_with_any_ticket(database: Database) -> None:
    with database.session() as session:
        before = queue_version(session)
        ticket = asking(session, "p1", 1)
        session.flush()
        opened = queue_version(session)
        ticket.updated_at = utcnow() + timedelta(seconds=1)
        session.flush()
        assert len({before, opened, queue_version(session)}) == 3
