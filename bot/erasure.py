"""Erase what is kept about a person: the gateway's rows and Rasa's tracker events."""

from __future__ import annotations

import logging

from sqlalchemy import create_engine, delete, inspect, select, text, update
from sqlalchemy.engine import Engine

from bot.store import AuditEntry, ChatMessage, Contact, Database, PendingMessage, Ticket

log = logging.getLogger(__name__)


class TrackerStore:
    """Rasa's SQL tracker store, reached directly: the HTTP API has no way to delete a tracker."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)

    def forget(self, sender_id: str) -> int:
        """Delete every event of one conversation; returns how many rows went."""
        if not inspect(self.engine).has_table("events"):
            return 0
        with self.engine.begin() as conn:
            result = conn.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            )
        return result.rowcount or 0


def erase_person(db: Database, trackers: TrackerStore, pseudonym: str) -> None:
    """Everything about one person, everywhere we keep it (SAFETY.md rule 11)."""
    with db.session() as session:
        tickets = select(Ticket.id).where(Ticket.pseudonym == pseudonym)
        # Who looked at what stays accountable; which person it was does not.
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.ticket_id.in_(tickets))
            .values(ticket_id=None, detail="erased")
        )
        for table in (Ticket, PendingMessage, ChatMessage):  # ticket messages cascade
            session.execute(delete(table).where(table.pseudonym == pseudonym))
        session.execute(delete(Contact).where(Contact.pseudonym == pseudonym))
    trackers.forget(pseudonym)
    log.info("erased one person's data on request")
