"""Messages the bot did not understand, kept (masked) so that editors can teach it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText

OUT_OF_SCOPE = "out_of_scope"  # the label of a message the bot is not for


class ReviewStatus(StrEnum):
    OPEN = "open"  # waiting for an editor
    LABELLED = "labelled"  # an editor said what it meant; in the next training
    TRAINED = "trained"  # in the training data of the serving model
    DISMISSED = "dismissed"  # not worth learning from (noise, a test, half a message)


class UnrecognisedMessage(Base):
    """One message that fell to the fallback, from a person who consented to keeping what
    they write. Stored masked (numbers, places) and sealed; deleted with the person."""

    __tablename__ = "unrecognised_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pseudonym: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.pseudonym", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(16))
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # masked before it is sealed
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The model's best guesses ([[intent, confidence], ...]) and, when the person answered
    # "which did you mean?", the intent they chose: a correction by the person.
    ranking: Mapped[list[Any]] = mapped_column(JSON, default=list)
    chosen: Mapped[str | None] = mapped_column(String(64), nullable=True)
    offered: Mapped[list[str]] = mapped_column(JSON, default=list)  # the payloads asked about
    status: Mapped[ReviewStatus] = mapped_column(
        EnumText(ReviewStatus), default=ReviewStatus.OPEN, index=True
    )
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    labelled_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
