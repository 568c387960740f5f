"""Editors' drafts of survivor-facing texts, waiting for a second person's review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText


class DraftStatus(StrEnum):
    OPEN = "open"  # written, waiting for review
    PUBLISHED = "published"  # approved by another person and live
    REJECTED = "rejected"  # sent back by a reviewer
    REPLACED = "replaced"  # its author wrote a newer draft of the same text


class TextDraft(Base):
    """One text in one language, as an editor would have it. Nothing reaches a survivor
    until someone other than its author approves it (SAFETY.md rule 22)."""

    __tablename__ = "text_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(Text)
    before: Mapped[str] = mapped_column(Text)  # the working text when the draft was written
    author_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_members.id"))
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[DraftStatus] = mapped_column(EnumText(DraftStatus), default=DraftStatus.OPEN)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publication_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("publications.id"), nullable=True
    )
