"""Helpers for the privacy tests; the `trackers` fixture is in tests/conftest.py."""

from __future__ import annotations

import time

from sqlalchemy import text

from bot.privacy.erasure import TrackerStore


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
