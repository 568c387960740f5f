"""Inbound messages written before the provider hears "received" and removed once their
answer is in the outbox, so that a restart, a crash or a database outage during a turn loses
no message (issue 18). Sealed like the outbox: a copy of the database alone reads nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow


class InboundMessage(Base):
    """One message waiting for its answer, in order per person."""

    __tablename__ = "inbound_messages"
    # Ids never reused: a late "done" about one row must never remove another person's.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: the first message of a person comes before their contact exists.
    pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None: a photo
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # Telegram's
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A gateway's claim while it answers (a lease): nobody else answers it until then.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
