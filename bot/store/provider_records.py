"""Twilio's copies of our messages, to be deleted there: Twilio keeps every SMS (both
numbers and the text) in its message log until it is deleted, out of reach of our DELETE
and retention (security review F5). A row is only the message's id at Twilio."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow


class ProviderRecord(Base):
    __tablename__ = "provider_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64), unique=True)  # Twilio's SM... id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Twilio deletes a message only once it is delivered or failed: tried from then on.
    forget_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
