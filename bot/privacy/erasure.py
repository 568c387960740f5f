"""Erase what is kept about a person: the gateway's rows and Rasa's tracker events."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Select,
    case,
    column,
    create_engine,
    delete,
    event,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store import (
    AuditEntry,
    ChatMessage,
    Contact,
    Database,
    OutboundMessage,
    PendingMessage,
    Ticket,
    UnrecognisedMessage,
)

log = logging.getLogger(__name__)


class TrackerStore:
    """Rasa's SQL tracker store, reached directly: the HTTP API has no way to delete a tracker."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _overwrite_what_is_deleted)
        # Once Rasa has made its table, it stays: asking the catalog again on every turn of
        # someone who has not agreed to keeping (scrub_text) cost a query and a transaction.
        self._has_events = False

    def has_events(self) -> bool:
        """Rasa creates its table on first start; before that there is nothing to touch."""
        if not self._has_events:
            self._has_events = inspect(self.engine).has_table("events")
        return self._has_events

    def forget_before(self, cutoff: datetime, keep: set[str]) -> int:
        """Delete every event older than `cutoff`, except the conversations in `keep`."""
        if not self.has_events():
            return 0
        events = table("events", column("sender_id"), column("timestamp"))
        query = delete(events).where(events.c.timestamp < cutoff.timestamp())
        if keep:
            query = query.where(events.c.sender_id.not_in(sorted(keep)))
        with self.engine.begin() as conn:
            forgotten = conn.execute(query).rowcount or 0
        self._checkpoint()
        return forgotten

    def scrub_text(self, sender_id: str) -> int:
        """Remove what the person wrote from one conversation, keeping its shape.

        For people who said no to the privacy notice, or have not seen it yet (DESIGN.md
        decision 10): the intents, the slots and the questions asked stay, so the dialogue
        goes on; the words, the entity values and any earlier, raw place name go.
        """
        if not self.has_events():
            return 0
        with self.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, type_name, data FROM events WHERE sender_id = :sender"
                    " AND type_name IN ('user', 'slot') ORDER BY id"
                ),
                {"sender": sender_id},
            ).all()
            changed = _scrubbed(rows)
            if changed:  # one statement for all of them: a turn usually changes one or two
                events = table("events", column("id"), column("data"))
                conn.execute(
                    update(events)
                    .where(events.c.id.in_(list(changed)))
                    .values(data=case(changed, value=events.c.id))
                )
        self._checkpoint()
        return len(changed)

    def forget(self, sender_id: str) -> int:
        """Delete every event of one conversation; returns how many rows went."""
        if not self.has_events():
            return 0
        with self.engine.begin() as conn:
            result = conn.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            )
        self._checkpoint()
        return result.rowcount or 0

    def senders(self) -> set[str]:
        """Every conversation the tracker holds."""
        if not self.has_events():
            return set()
        with self.engine.connect() as conn:
            return set(conn.scalars(text("SELECT DISTINCT sender_id FROM events")))

    def compact(self) -> None:
        """Deleted rows' space given back, after each retention purge (docs/privacy.md).

        PostgreSQL keeps a deleted row's version in its page until VACUUM removes it (then
        new events write over the space); SQLite has overwritten it already and empties its
        write-ahead log here. The gateway's role may vacuum the engine's table: it is a member
        of the engine's role (deploy/postgres/rahnuma-roles.psql).
        """
        if not self.has_events():
            return
        if self.engine.dialect.name != "postgresql":
            self._checkpoint()
            return
        # VACUUM runs outside a transaction; another gateway's VACUUM already does the work.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (SKIP_LOCKED) events"))

    def _checkpoint(self) -> None:
        """SQLite in WAL mode: the log's older pages (with the words) go, the log is emptied."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _overwrite_what_is_deleted(dbapi_connection: object, _record: object) -> None:
    """SQLite zeroes what this connection deletes or overwrites, instead of leaving the bytes
    in free pages (review F12). Rasa's own connections only ever add events."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# Slots an entity fills with the person's own words; the actions then set the canonical name.
_WORDED_SLOTS = ("location",)


def _scrubbed(rows: Any) -> dict[int, str]:
    """New `data` for each event row that still holds something the person wrote."""
    changed: dict[int, str] = {}
    # Each row read once: this runs on every turn of someone who has not agreed to keeping,
    # over their whole conversation (serialising every user event twice to compare cost
    # more than the rest of the scrub).
    events = [
        (event_id, type_name, raw, json.loads(raw or "{}")) for event_id, type_name, raw in rows
    ]
    last_slot_event = {}
    for event_id, type_name, _, data in events:
        if type_name == "slot" and data.get("name") in _WORDED_SLOTS:
            last_slot_event[data["name"]] = event_id
    for event_id, type_name, raw, data in events:
        if type_name == "user":
            data["text"] = None
            parse = data.get("parse_data") or {}
            parse["text"] = None
            for entity in parse.get("entities") or []:
                entity["value"] = None
                entity.pop("text", None)
            if data != json.loads(raw or "{}"):  # only set to None or removed: a change shows
                changed[event_id] = json.dumps(data)
        elif (
            type_name == "slot"
            and data.get("name") in _WORDED_SLOTS
            and last_slot_event.get(data["name"]) != event_id
            and data.get("value") is not None
        ):
            data["value"] = None  # the latest one is the canonical name an action set
            changed[event_id] = json.dumps(data)
    return changed


def erase_person(
    db: Database, trackers: TrackerStore, pseudonym: str, *, why: str = "erased"
) -> None:
    """Everything about one person, everywhere we keep it (SAFETY.md rule 11).

    `why` is what their audit entries are reduced to: "erased" (on request) or "expired".
    """
    with db.session() as session:
        forget_tickets(session, select(Ticket.id).where(Ticket.pseudonym == pseudonym), why)
        for model in (PendingMessage, ChatMessage, UnrecognisedMessage, OutboundMessage):
            session.execute(delete(model).where(model.pseudonym == pseudonym))
        session.execute(delete(Contact).where(Contact.pseudonym == pseudonym))
    db.checkpoint()
    trackers.forget(pseudonym)
    log.info("erased one person's data (%s)", why)


def forget_tickets(session: Session, ticket_ids: Select[int], why: str) -> int:
    """Delete tickets and their messages; who looked at them stays accountable, whom not."""
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.ticket_id.in_(ticket_ids))
        .values(ticket_id=None, detail=why)
    )
    result = session.execute(delete(Ticket).where(Ticket.id.in_(ticket_ids)))
    return int(cast(CursorResult[Any], result).rowcount or 0)  # ticket messages cascade
