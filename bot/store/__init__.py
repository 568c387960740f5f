"""Storage: SQLAlchemy 2 engine and sessions over one DATABASE_URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import (
    Base,
    ChatMessage,
    Contact,
    HandoffRequest,
    InboundReceipt,
    PendingMessage,
)

__all__ = [
    "ChatMessage",
    "Contact",
    "Database",
    "HandoffRequest",
    "InboundReceipt",
    "PendingMessage",
]


class Database:
    """One engine and session factory; `create_all` makes the tables if missing."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # the action server writes alongside the gateway
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
