"""The chat's message ids, both ways, kept 48 hours so that EXIT can delete the chat."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select

from bot.store import ChatMessage, Database
from bot.store.models import utcnow

DELETABLE_FOR = timedelta(hours=48)  # the Bot API lets a bot delete messages this old


class ChatHistory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def remember(self, pseudonym: str, message_ids: Iterable[int]) -> None:
        with self.db.session() as session:
            session.add_all(ChatMessage(pseudonym=pseudonym, message_id=m) for m in message_ids)

    def take_deletable(self, pseudonym: str) -> list[int]:
        """The ids still young enough to delete; the person's whole list is forgotten."""
        cutoff = utcnow() - DELETABLE_FOR
        with self.db.session() as session:
            ids = list(
                session.scalars(
                    select(ChatMessage.message_id).where(
                        ChatMessage.pseudonym == pseudonym, ChatMessage.sent_at >= cutoff
                    )
                )
            )
            session.execute(delete(ChatMessage).where(ChatMessage.pseudonym == pseudonym))
        return ids
