"""A provider's retry is not a new message: each provider message id is answered once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.store import Database, InboundReceipt


class Receipts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def first_time(self, channel: str, external_id: str) -> bool:
        """True the first time a provider's message id is seen; retries get False."""
        try:
            with self.db.session() as session:
                session.add(InboundReceipt(channel=channel, external_id=external_id))
        except IntegrityError:
            return False
        return True
