"""Storage: SQLAlchemy 2 engine and sessions over one DATABASE_URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.store.directory import ListingChange, ListingStatus, ServiceListing
from bot.store.flows import FlowDraft
from bot.store.inbox import InboundMessage
from bot.store.learning import OUT_OF_SCOPE, ReviewStatus, UnrecognisedMessage
from bot.store.models import (
    Base,
    ChatMessage,
    Contact,
    InboundReceipt,
    PendingMessage,
    Publication,
)
from bot.store.outbox import OutboundMessage
from bot.store.provider_records import ProviderRecord
from bot.store.staff import (
    AuditEntry,
    LoginFailure,
    PendingSignIn,
    RecoveryCode,
    Role,
    StaffMember,
    StaffSession,
)
from bot.store.tickets import Author, CloseReason, Ticket, TicketMessage, TicketStatus
from bot.store.wording import DraftStatus, TextDraft

__all__ = [
    "OUT_OF_SCOPE",
    "AuditEntry",
    "Author",
    "ChatMessage",
    "CloseReason",
    "Contact",
    "Database",
    "DraftStatus",
    "FlowDraft",
    "InboundMessage",
    "InboundReceipt",
    "ListingChange",
    "ListingStatus",
    "LoginFailure",
    "OutboundMessage",
    "PendingMessage",
    "PendingSignIn",
    "ProviderRecord",
    "Publication",
    "RecoveryCode",
    "ReviewStatus",
    "Role",
    "ServiceListing",
    "StaffMember",
    "StaffSession",
    "TextDraft",
    "Ticket",
    "TicketMessage",
    "TicketStatus",
    "UnrecognisedMessage",
    "alembic_config",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class Database:
    """One engine and session factory; `create_all` makes the tables if missing."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest migration (Alembic), from empty or from any older one."""
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def create_all(self) -> None:
        """The schema straight from the models: for throwaway test databases only."""
        Base.metadata.create_all(self.engine)

    def checkpoint(self) -> None:
        """SQLite: what the write-ahead log holds goes into the file and the log is emptied,
        so erased rows' old pages don't outlive the erasure there (docs/privacy.md)."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

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
    # A deleted row's bytes are overwritten with zeros, not left in free pages (review F12).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


_SHARED: dict[str, Database] = {}


def shared_database(url: str) -> Database:
    """One `Database` per URL for the process's lifetime (the action server's handlers)."""
    if url not in _SHARED:
        _SHARED[url] = Database(url)
    return _SHARED[url]


def close_shared_databases() -> None:
    for db in _SHARED.values():
        db.engine.dispose()
    _SHARED.clear()
