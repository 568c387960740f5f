"""Deleting Twilio's copies of our messages (security review F5).

Twilio keeps every SMS we receive or send, with both numbers and the text, in its message
log until it is deleted. Whoever holds the account's token (a seized server) could list
them all, beyond our retention and after a person's DELETE. So every message's id at
Twilio is noted here, and a chore deletes the message at Twilio a few minutes later:
Twilio refuses to delete a message still on its way, so one it refuses is tried again
later, until it is gone or the retention period ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.store import Database, ProviderRecord
from bot.store.models import utcnow

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(minutes=10)  # sent messages are delivered (or failed) by then
TRY_AGAIN_AFTER = timedelta(minutes=10)
BATCH = 100


class TwilioRecords:
    def __init__(self, db: Database, client: Client, kept_for: timedelta) -> None:
        self.db = db
        self.client = client
        self.kept_for = kept_for

    def keep(self, record_ids: Iterable[str]) -> None:
        """Note messages to delete at Twilio (a provider's retry notes one once)."""
        for record_id in record_ids:
            try:
                with self.db.session() as session:
                    session.add(
                        ProviderRecord(record_id=record_id, forget_after=utcnow() + FORGET_AFTER)
                    )
            except IntegrityError:
                continue

    async def forget_due(self) -> int:
        """Delete at Twilio what is due; how many are gone."""
        now = utcnow()
        with self.db.session() as session:
            due = list(
                session.scalars(
                    select(ProviderRecord)
                    .where(ProviderRecord.forget_after <= now)
                    .order_by(ProviderRecord.id)
                    .limit(BATCH)
                )
            )
        gone = 0
        for record in due:
            if await self._delete_at_twilio(record.record_id):
                gone += 1
                self._done(record.id)
            elif record.created_at.replace(tzinfo=now.tzinfo) < now - self.kept_for:
                log.warning("a message could not be deleted at Twilio before retention ended")
                self._done(record.id)
            else:
                self._later(record.id)
        return gone

    async def _delete_at_twilio(self, record_id: str) -> bool:
        try:
            await asyncio.to_thread(self.client.messages(record_id).delete)
        except TwilioRestException as exc:
            if exc.status == 404:
                return True  # already gone
            log.info("Twilio kept a message for now: code %s, status %s", exc.code, exc.status)
            return False
        except TwilioException as exc:  # its text is not ours to repeat
            log.info("deleting at Twilio failed: %s", type(exc).__name__)
            return False
        except OSError as exc:
            log.info("deleting at Twilio failed: %s", type(exc).__name__)
            return False
        return True

    def _done(self, row_id: int) -> None:
        with self.db.session() as session:
            session.execute(delete(ProviderRecord).where(ProviderRecord.id == row_id))

    def _later(self, row_id: int) -> None:
        with self.db.session() as session:
            session.execute(
                update(ProviderRecord)
                .where(ProviderRecord.id == row_id)
                .values(
                    forget_after=utcnow() + TRY_AGAIN_AFTER, attempts=ProviderRecord.attempts + 1
                )
                .execution_options(synchronize_session=False)
            )
