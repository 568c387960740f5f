"""Retention: what is kept is short-lived (SAFETY.md rule 19, docs/privacy.md).

After the retention period (RAHNUMA_RETENTION_DAYS, default 30) without a message, a
person is erased everywhere, unless a ticket they agreed to is still open. Transcripts of
closed tickets and old Rasa tracker events expire after the same period, for everyone.
A ticket nobody claimed within the period closes as expired, so that an open ticket
keeps nothing forever; its person then follows the rule above like anyone else.
The gateway runs this every hour; `rahnuma purge` runs it by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from bot.privacy.erasure import TrackerStore, erase_person, forget_tickets
from bot.store import (
    ChatMessage,
    CloseReason,
    Contact,
    Database,
    InboundMessage,
    InboundReceipt,
    LoginFailure,
    OutboundMessage,
    PendingMessage,
    PendingSignIn,
    StaffSession,
    Ticket,
    TicketStatus,
    UnrecognisedMessage,
)
from bot.store.models import utcnow
from bot.store.tickets import OPEN_STATUSES

log = logging.getLogger(__name__)

CHAT_MESSAGE_IDS_KEPT = timedelta(hours=48)  # Telegram lets a bot delete only this far back
STAFF_SESSIONS_KEPT = timedelta(days=1)  # longer than any session may live
LOGIN_FAILURES_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    people: int
    tickets: int
    tracker_events: int
    other_rows: int
    unclaimed: int = 0  # queued tickets closed because nobody claimed them in time
    strangers: int = 0  # tracker conversations of people erased while a turn was under way

    def __str__(self) -> str:
        return (
            f"{self.people} people, {self.tickets} closed tickets, "
            f"{self.tracker_events} tracker events, {self.other_rows} other rows, "
            f"{self.unclaimed} unclaimed tickets expired, "
            f"{self.strangers} conversations of people erased meanwhile"
        )


def forget_strangers(db: Database, trackers: TrackerStore) -> int:
    """Conversations in the tracker of nobody we know: a turn another gateway had in the
    engine while this one erased the person saves the whole conversation again (Rasa's
    tracker store re-inserts what it holds in memory; review F18). A contact is written
    before a person's first turn, so the tracker's senders are read first: anyone new by
    the time the contacts are read has a contact already."""
    in_tracker = trackers.senders()
    if not in_tracker:
        return 0
    with db.session() as session:
        known = set(session.scalars(select(Contact.pseudonym)))
    strangers = in_tracker - known
    for sender in strangers:
        trackers.forget(sender)
    if strangers:
        log.info("forgot %d conversations of people erased meanwhile", len(strangers))
    return len(strangers)


def purge(
    db: Database,
    trackers: TrackerStore,
    *,
    retention: timedelta,
    now: datetime | None = None,
) -> Purged:
    now = now or utcnow()
    cutoff = now - retention
    with db.session() as session:
        unclaimed = expire_unclaimed(session, cutoff, now)
        kept = set(
            session.scalars(select(Ticket.pseudonym).where(Ticket.status.in_(OPEN_STATUSES)))
        )
        inactive = [
            pid
            for pid in session.scalars(
                select(Contact.pseudonym).where(Contact.last_seen_at < cutoff)
            )
            if pid not in kept
        ]
    for pid in inactive:
        erase_person(db, trackers, pid, why="expired")
    strangers = forget_strangers(db, trackers)
    with db.session() as session:
        tickets = forget_tickets(
            session,
            select(Ticket.id).where(
                Ticket.status == TicketStatus.CLOSED, Ticket.closed_at < cutoff
            ),
            "expired",
        )
        other = 0
        for query in [
            delete(PendingMessage).where(PendingMessage.received_at < cutoff),
            delete(UnrecognisedMessage).where(UnrecognisedMessage.received_at < cutoff),
            delete(OutboundMessage).where(OutboundMessage.created_at < cutoff),
            delete(InboundMessage).where(InboundMessage.received_at < cutoff),
            delete(ChatMessage).where(ChatMessage.sent_at < now - CHAT_MESSAGE_IDS_KEPT),
            # A provider's message id answers a retried webhook once, and refuses a replayed
            # one: a Twilio signature carries no time, so a request captured on the way stays
            # valid forever. Kept as long as anything else (review F19f).
            delete(InboundReceipt).where(InboundReceipt.received_at < cutoff),
            delete(StaffSession).where(StaffSession.created_at < now - STAFF_SESSIONS_KEPT),
            delete(PendingSignIn).where(PendingSignIn.created_at < now - STAFF_SESSIONS_KEPT),
            delete(LoginFailure).where(LoginFailure.failed_at < now - LOGIN_FAILURES_KEPT),
        ]:
            other += int(cast(CursorResult[Any], session.execute(query)).rowcount or 0)
    events = trackers.forget_before(cutoff, keep=kept)
    purged = Purged(len(inactive), tickets, events, other, unclaimed, strangers)
    log.info("retention purge: %s", purged)
    return purged


def expire_unclaimed(session: Session, cutoff: datetime, now: datetime) -> int:
    """Close the tickets that waited in the queue since before `cutoff`: nobody claimed them
    in a whole retention period, and an open ticket would keep its person, their transcript
    and their whole tracker forever (review F19n). Closed silently (the bot never writes
    first); the engine listens again at the person's next message (`engine_paused`)."""
    result = session.execute(
        update(Ticket)
        .where(Ticket.status == TicketStatus.QUEUED, Ticket.created_at < cutoff)
        .values(
            status=TicketStatus.CLOSED,
            close_reason=CloseReason.EXPIRED,
            closed_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)
