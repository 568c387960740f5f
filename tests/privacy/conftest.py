"""A gateway store and a Rasa-shaped tracker store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.erasure import TrackerStore
from bot.store import Database
from tests.auxil.fake_engine import RASA_EVENTS_TABLE


@pytest.fixture
def trackers(database: Database, tmp_path: Path) -> Iterator[TrackerStore]:
    """Rasa's tracker store on the same kind of database as the gateway's store."""
    on_postgres = database.engine.dialect.name == "postgresql"
    url = (
        database.engine.url.render_as_string(hide_password=False)
        if on_postgres
        else f"sqlite:///{tmp_path / 'tracker.db'}"
    )
    store = TrackerStore(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
        conn.execute(
            text(
                RASA_EVENTS_TABLE.format(
                    id="SERIAL PRIMARY KEY" if on_postgres else "INTEGER PRIMARY KEY"
                )
            )
        )
    yield store
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
    store.engine.dispose()


def add_event(store: TrackerStore, sender: str, said: str, at: float | None = None) -> None:
    """A user event as Rasa stores it: the text inside the JSON data."""
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "VALUES (:sender, 'user', :at, :data)"
            ),
            {"sender": sender, "at": at or time.time(), "data": f'{{"text": "{said}"}}'},
        )


def dump(db_engine: object) -> str:
    """Every row of every table, as text: what a seized database would show."""
    from sqlalchemy import inspect

    lines = []
    with db_engine.connect() as conn:  # type: ignore[attr-defined]
        for name in inspect(db_engine).get_table_names():  # type: ignore[arg-type]
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):
                lines.append(f"{name}: " + " | ".join(_shown(v) for v in row))
    return "\n".join(lines)


def _shown(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)
