"""Replies written before they are sent, so that an outage of Twilio or Telegram, or a
restart of the gateway, loses none (issue 18). A row goes once the provider accepted it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow


class OutboundMessage(Base):
    """One reply waiting for its provider, sealed (address and text), in order per person."""

    __tablename__ = "outbound_messages"
    # Ids never reused (SQLite would reuse a deleted last id): a late answer about one row
    # must never touch another person's.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.pseudonym", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    reply_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # the rendered reply, as JSON
    confirms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A sender's claim while it sends (a lease): nobody else sends it until then.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
