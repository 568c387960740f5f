"""The one way in: every message from a provider is written here before the provider hears
"received", and removed in the same transaction that writes its answer to the outbox.

Without it a message lived only in the gateway's memory between the webhook's 200 and the
answer: a restart (SIGTERM with messages in flight), a crash, or PostgreSQL restarting
during the turn lost it, and Twilio and Telegram never send it again. Now:
- the webhook answers 200 only once the message is written (with its provider id, so a
  provider's retry is not a second message); when the database can't take it, the provider
  gets a 5xx and sends it again;
- a message is answered by whichever gateway claims it (a lease, a conditional update), in
  order per person: the person's oldest waiting message first, never two of theirs at once;
- a gateway that stops releases its claims, and one that died leaves them to expire: the
  others' chore answers what is left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.base import Inbound
from bot.privacy.identity import Vault
from bot.store import Database, InboundMessage, InboundReceipt
from bot.store.models import utcnow
from bot.wording.render import Channel

log = logging.getLogger(__name__)

# Longer than a turn can take (the engine's timeout for each replica, the database, the
# outbox's write), so a claim is never lost while its gateway still works on it.
LEASE = timedelta(seconds=120)
# A message this old and unclaimed lost its gateway's task: the chore answers it.
LEFT_AFTER = timedelta(seconds=5)


@dataclass(frozen=True)
class Waiting:
    """A claimed inbound message: what to answer, and the row to remove with its answer."""

    id: int
    pseudonym: str
    inbound: Inbound


class Inbox:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def accept(self, inbound: Inbound, pseudonym: str, provider_id: str) -> bool:
        """Write the message with the provider's id in one transaction; False when that id
        was already taken (the provider's retry). Raises when the database can't take it,
        so that the provider is told to try again."""
        row = InboundMessage(
            pseudonym=pseudonym,
            channel=inbound.channel,
            address_sealed=self.vault.seal(inbound.address),
            text_sealed=None if inbound.text is None else self.vault.seal(inbound.text),
            message_id=inbound.message_id,
        )
        try:
            with self.db.session() as session:
                session.add(InboundReceipt(channel=inbound.channel, external_id=provider_id))
                session.add(row)
        except IntegrityError:
            return False
        return True

    def claim_oldest(self, pseudonym: str) -> Waiting | None:
        """The person's oldest waiting message, claimed; None when none waits or another
        task or gateway is answering one of theirs (it goes on to the next itself)."""
        now = utcnow()
        with self.db.session() as session:
            oldest = session.scalars(
                select(InboundMessage)
                .where(InboundMessage.pseudonym == pseudonym)
                .order_by(InboundMessage.id)
                .limit(1)
            ).first()
            if oldest is None:
                return None
            claimed = session.execute(
                update(InboundMessage)
                .where(
                    InboundMessage.id == oldest.id,
                    or_(InboundMessage.claimed_until.is_(None), InboundMessage.claimed_until < now),
                )
                .values(claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            text = None if oldest.text_sealed is None else self.vault.open(oldest.text_sealed)
            inbound = Inbound(
                Channel(oldest.channel), self.vault.open(oldest.address_sealed), text,
                oldest.message_id,
            )  # fmt: skip
            return Waiting(oldest.id, pseudonym, inbound)

    @staticmethod
    def answered(session: Session, waiting: Waiting) -> None:
        """Remove the message in the transaction that writes its answer."""
        session.execute(delete(InboundMessage).where(InboundMessage.id == waiting.id))

    def done(self, waiting: Waiting) -> None:
        with self.db.session() as session:
            self.answered(session, waiting)

    def release(self, waiting: Waiting) -> None:
        """Give the message back (this gateway stops, or the turn failed): the chore of any
        gateway answers it."""
        with self.db.session() as session:
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id == waiting.id)
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    def left_behind(self) -> list[str]:
        """People with a message no task is answering: unclaimed for a while, or claimed by
        a gateway that died (its lease ran out)."""
        now = utcnow()
        with self.db.session() as session:
            rows = session.scalars(
                select(InboundMessage.pseudonym)
                .where(
                    or_(
                        InboundMessage.claimed_until < now,
                        (InboundMessage.claimed_until.is_(None))
                        & (InboundMessage.received_at < now - LEFT_AFTER),
                    )
                )
                .order_by(InboundMessage.id)
            )
            return list(dict.fromkeys(rows))

    def depth(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(InboundMessage)) or 0
