"""Editors' drafts of the information flows (content/info.yml), waiting for a second
person's review, as texts wait in `text_drafts`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText
from bot.store.wording import DraftStatus

# One topic as info.yml has it: {"text": key, "options": [choice, ...]} and maybe "label".
TopicBody = dict[str, Any]


class FlowDraft(Base):
    """A change to one topic as an editor would have it (with the topic that offers it, when
    the topic is new). Nothing reaches a survivor until someone other than its author
    approves it (SAFETY.md rule 22)."""

    __tablename__ = "flow_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    # {topic: body, or None where the topic does not exist}: every topic the change touches,
    # as it was live when the draft was written, and as the draft would have it.
    before: Mapped[dict[str, TopicBody | None]] = mapped_column(JSON)
    after: Mapped[dict[str, TopicBody | None]] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_members.id"))
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[DraftStatus] = mapped_column(EnumText(DraftStatus), default=DraftStatus.OPEN)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publication_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("publications.id"), nullable=True
    )
