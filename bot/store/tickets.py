"""Handoff tickets: a person asked, and agreed, to talk to a support worker.

Texts are stored sealed (Fernet, the address key): the database alone reveals no message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText


class TicketStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker
    CLAIMED = "claimed"  # a worker has it
    CLOSED = "closed"  # handed back to the bot


OPEN_STATUSES = (TicketStatus.QUEUED.value, TicketStatus.CLAIMED.value)


class CloseReason(StrEnum):
    WORKER = "worker"
    SURVIVOR = "survivor"  # they asked for the bot again
    SILENCE = "silence"
    OPTED_OUT = "opted_out"
    EXPIRED = "expired"  # queued for a whole retention period, never claimed (retention.py)


class Author(StrEnum):
    SURVIVOR = "survivor"
    STAFF = "staff"
    BOT = "bot"  # what the bot told the person meanwhile: waiting notice, closing line
    NOTE = "note"  # for staff only, never sent: quick exit used, danger words
    HELD = "held"  # a worker's reply not sent, because the person used EXIT after it began


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.pseudonym", ondelete="CASCADE"), index=True
    )
    status: Mapped[TicketStatus] = mapped_column(
        EnumText(TicketStatus), default=TicketStatus.QUEUED, index=True
    )
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_woman_worker: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    claimed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    closed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    close_reason: Mapped[CloseReason | None] = mapped_column(EnumText(CloseReason), nullable=True)
    summary_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Any change, so that open consoles notice it (see bot/handoff/queue.py).
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    last_staff_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When the person was last told that their message waits for a worker.
    waiting_notice_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # The person used EXIT: someone may hold their phone. Nothing goes out for this ticket,
    # and their messages go to the bot, until they ask for a person again.
    exited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TicketMessage(Base):
    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[Author] = mapped_column(EnumText(Author))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
