"""The SQL tracker store finds the current session's events through an index, without
visiting the conversation's earlier sessions (issue 19).

With sessions kept short (engine/long_sessions.py) Rasa 3.6 still reads a person's every row
in the database twice a turn: its query for the current session (`_event_query`, also
counted to save the turn) finds the latest SessionStarted among all the person's events and
keeps the events `timestamp >= it OR it IS NULL`. The `OR` keeps any index on the timestamp
out of use, and the table has an index on `sender_id` alone: after 1,000 turns (8,500
events) each of the two took 4-12 ms on PostgreSQL against 0.2 ms after 10 turns.

Here the latest session start is read first, on its own (an index-only lookup), and the
session's events are then those at or after that time: with the time known, PostgreSQL
reads only the session's rows through an index on (sender_id, timestamp), 0.2 ms after
1,000 turns. (Kept in one statement as Rasa has it, the time is unknown when the query is
planned, and PostgreSQL still visits every row of the person.) The same rows in the same
order, one more round trip. The two indexes, (sender_id, type_name, timestamp) and
(sender_id, timestamp), are created at start where missing. Creating them on a big existing
table holds its writes meanwhile (docs/deploy.md says how to create them beforehand); when
they can't be created, the queries are still right, only slower.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted

log = logging.getLogger("rahnuma.engine")

Event = SQLTrackerStore.SQLEvent
INDEXES = (
    sa.Index("ix_events_sender_type_time", Event.sender_id, Event.type_name, Event.timestamp),
    sa.Index("ix_events_sender_time", Event.sender_id, Event.timestamp),
)

_event_query = SQLTrackerStore._event_query
_init = SQLTrackerStore.__init__


def _session_query(
    self: SQLTrackerStore, session: Any, sender_id: str, fetch_events_from_all_sessions: bool
) -> Any:
    if fetch_events_from_all_sessions:
        return _event_query(self, session, sender_id, fetch_events_from_all_sessions)
    started = (
        session.query(sa.func.max(Event.timestamp))
        .filter(Event.sender_id == sender_id, Event.type_name == SessionStarted.type_name)
        .scalar()
    )
    query = session.query(Event).filter(Event.sender_id == sender_id)
    if started is not None:  # else every event, as Rasa's query gives
        query = query.filter(Event.timestamp >= started)
    return query.order_by(Event.id)


def create_indexes(engine: sa.engine.Engine) -> None:
    for index in INDEXES:
        try:
            index.create(engine, checkfirst=True)
        except sa.exc.SQLAlchemyError as error:  # another replica's at the same time, a role
            log.warning("tracker store index %s not created: %s", index.name,
                        type(error).__name__)  # fmt: skip


def _init_with_indexes(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    create_indexes(self.engine)


def find_sessions_by_index() -> None:
    SQLTrackerStore._event_query = _session_query  # type: ignore[method-assign]
    SQLTrackerStore.__init__ = _init_with_indexes  # type: ignore[method-assign]
