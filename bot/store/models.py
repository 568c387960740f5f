"""The gateway's tables (SQLAlchemy 2). Addresses are stored only encrypted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what we stored as UTC; PostgreSQL doesn't."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    """A person reaching us on one channel, known by pseudonym only."""

    __tablename__ = "contacts"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(16))
    # The numbered choices of the last menu sent: digit -> payload.
    last_menu: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Rasa was told to pause for a handoff and has not been told to resume yet.
    engine_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The answer to the privacy notice: None before it was seen, False for "no" (DESIGN.md
    # decision 10: then nothing the person writes outlives the turn that answers it).
    consent: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=None)
    # False while the language is only the default: the first message said nothing of it
    # (a voice note, "🙏", "hi"). Until the person writes clearly in one or chooses one, each
    # message is read for it, so an Urdu reader is not left in English (issue 19).
    language_settled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InboundReceipt(Base):
    """A provider's id for an inbound message we handled: retried webhooks are answered once."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PendingMessage(Base):
    """A message the engine could not answer yet; sealed, answered when the engine is back."""

    __tablename__ = "pending_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.pseudonym", ondelete="CASCADE"), index=True
    )
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A gateway's claim while it asks the engine: two gateways never answer it twice.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The id the engine knows the message's turn by: sent again, it is answered from the
    # record if the engine finished the turn after all (engine/turns_once.py).
    turn: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ChatMessage(Base):
    """A Telegram message id in a person's chat, kept for 48 hours so EXIT can delete it."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.pseudonym", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Publication(Base):
    """A publish of wording or of the dialogue model: who, when, what."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[str] = mapped_column(String(64))  # the folder under var/published
    changed_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    dialogues_hash: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)  # when it was swapped
    # From the console: who wrote the texts, who approved them (never an author), what changed
    # ([{language, key, before, after}]), and the earlier version a restore went back to.
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    approved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    diff: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    restored_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
