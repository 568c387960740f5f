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
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.base import Inbound
from bot.privacy.identity import Vault
from bot.store import Database, InboundMessage, InboundReceipt
from bot.store.models import utcnow
from bot.wording.render import Channel

log = logging.getLogger(__name__)

_UNREADABLE = object()

# Longer than a turn can take (the engine's timeout for each replica, the database, the
# outbox's write), so a claim is never lost while its gateway still works on it.
LEASE = timedelta(seconds=120)
# A message this old and unclaimed lost its gateway's task: the chore answers it.
LEFT_AFTER = timedelta(seconds=5)


@dataclass
class Waiting:
    """A claimed inbound message: what to answer, and the row to remove with its answer.
    Its lease is extended while the turn runs (`Inbox.extend`)."""

    id: int
    pseudonym: str
    inbound: Inbound
    lease: datetime  # this gateway's claim: removing or giving back the row names it


class ClaimLostError(RuntimeError):
    """The claim ran out and another gateway took the message (or EXIT dropped it): this
    answer must not be written."""


class Inbox:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def accept(self, inbound: Inbound, pseudonym: str, provider_id: str) -> int | None:
        """Write the message with the provider's id in one transaction; its row, or None
        when that id was already taken (the provider's retry). Raises when the database
        can't take it, so that the provider is told to try again."""
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
                session.flush()
                return row.id
        except IntegrityError:
            return None

    def claim_oldest(self, pseudonym: str) -> Waiting | None:
        """The person's oldest waiting message, claimed; None when none waits or another
        task or gateway is answering one of theirs (it goes on to the next itself)."""
        while True:
            with self.db.session() as session:
                oldest = session.scalar(
                    select(InboundMessage.id)
                    .where(InboundMessage.pseudonym == pseudonym)
                    .order_by(InboundMessage.id)
                    .limit(1)
                )
            if oldest is None:
                return None
            claimed = self.claim(oldest)
            if claimed is not _UNREADABLE:
                return claimed if isinstance(claimed, Waiting) else None

    def claim(self, row_id: int) -> Waiting | object | None:
        """One message, claimed unless another claim holds it; `_UNREADABLE` when it can't be
        opened (it is dropped: one bad row must not hold a person's queue, nor the chore)."""
        now = utcnow()
        lease = now + LEASE
        with self.db.session() as session:
            claimed = session.execute(
                update(InboundMessage)
                .where(
                    InboundMessage.id == row_id,
                    or_(InboundMessage.claimed_until.is_(None), InboundMessage.claimed_until < now),
                )
                .values(claimed_until=lease)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(InboundMessage, row_id)
            if row is None:  # the update above found it, in this transaction
                return None
            try:
                address = self.vault.open(row.address_sealed)
                text = None if row.text_sealed is None else self.vault.open(row.text_sealed)
            except ValueError as exc:  # sealed with a key no longer known, or damaged
                log.error("dropped an unreadable waiting message: %s", type(exc).__name__)
                session.delete(row)
                return _UNREADABLE
            inbound = Inbound(
                Channel(row.channel), address, text, row.message_id, turn=f"inbox-{row.id}"
            )
            return Waiting(row.id, row.pseudonym, inbound, lease)

    @staticmethod
    def answered(session: Session, waiting: Waiting) -> None:
        """Remove the message in the transaction that writes its answer; raises (undoing
        the write) when this gateway's claim is no longer the message's."""
        done = session.execute(delete(InboundMessage).where(*_mine(waiting)))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise ClaimLostError(waiting.id)

    def done(self, waiting: Waiting) -> None:
        with self.db.session() as session:
            session.execute(delete(InboundMessage).where(*_mine(waiting)))

    def release(self, waiting: Waiting) -> None:
        """Give the message back (this gateway stops, or the turn failed): the chore of any
        gateway answers it. Only while the claim is still ours."""
        with self.db.session() as session:
            session.execute(
                update(InboundMessage)
                .where(*_mine(waiting))
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    def extend(self, waiting: Waiting) -> bool:
        """A turn still under way keeps its claim (a slow engine must not let another
        gateway answer the message too); False when the claim is no longer ours."""
        lease = utcnow() + LEASE
        with self.db.session() as session:
            extended = session.execute(
                update(InboundMessage)
                .where(*_mine(waiting))
                .values(claimed_until=lease)
                .execution_options(synchronize_session=False)
            )
            if extended.rowcount != 1:  # type: ignore[attr-defined]
                return False
        waiting.lease = lease
        return True

    def drop_before(self, pseudonym: str, row_id: int) -> int:
        """After EXIT or STOP: what the person wrote before gets no answer any more (a
        gateway still answering one finds its claim gone and writes nothing)."""
        with self.db.session() as session:
            dropped = session.execute(
                delete(InboundMessage).where(
                    InboundMessage.pseudonym == pseudonym, InboundMessage.id < row_id
                )
            )
            return int(dropped.rowcount or 0)  # type: ignore[attr-defined]

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


def _mine(waiting: Waiting) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (InboundMessage.id == waiting.id, InboundMessage.claimed_until == waiting.lease)
