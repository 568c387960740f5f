"""The one way out: every reply to a person goes through `Outbox.deliver`.

Replies are written (sealed) before they are sent and removed once the provider accepted
them, so an outage of Twilio or Telegram, a 429 flood limit or a restart of the gateway loses
none (issue 18). A refused reply is tried again with a growing, jittered wait (kept in the
database, so a restart keeps the schedule: an in-process retry library would forget it), in
order per person; it is dropped (counted, never logged with content) when the provider
refused it for good, when the person opted out or left (EXIT, STOP and DELETE remove what
waits), or when it is older than the retention period.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import delete, func, select, update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import SIMULATED_PREFIX, Outcome, ProviderRefusedError, Sender
from bot.channels.chat_history import ChatHistory
from bot.channels.simulator import SimulatedChannel
from bot.privacy.identity import Vault
from bot.store import Contact, Database, OutboundMessage
from bot.store.locks import PersonLocks
from bot.store.models import as_utc, utcnow
from bot.wording.render import Reply

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 2.0
LONGEST_WAIT_SECONDS = 600.0
LEASE = timedelta(seconds=120)  # a claimed reply is another sender's only after this
KEPT_FOR = timedelta(days=30)  # the retention period's default: older replies are dropped


def retry_after(error: Exception) -> float | None:
    """Seconds to wait before trying again, or None when trying again cannot help (an
    invalid number, a chat that blocked the bot)."""
    if isinstance(error, RetryAfter):  # Telegram's flood limit says how long
        with warnings.catch_warnings():  # PTB 22 warns that an int becomes a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    if isinstance(error, BadRequest | Forbidden):
        return None
    if isinstance(error, NetworkError | httpx.HTTPError | OSError | asyncio.TimeoutError):
        return 0.0
    if isinstance(error, ProviderRefusedError):
        status = error.status if isinstance(error.status, int) else None
        return 0.0 if status is None or status == 429 or status >= 500 else None
    return None


def backoff(attempts: int) -> float:
    """Exponential, capped, with jitter so that many people's retries don't come at once."""
    wait = min(LONGEST_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** max(0, attempts - 1))
    return wait * random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not secrecy


@dataclass(frozen=True)
class _Claimed:
    id: int
    pseudonym: str
    channel: str
    address: str
    reply: Reply
    confirms_opt_out: bool
    attempts: int
    created_at: datetime


class Outbox:
    """Every reply leaves here, so the opt-out check can't be skipped. Simulated people's
    replies go to the simulated channel, a recording transport like the real ones."""

    def __init__(
        self,
        *,
        db: Database,
        senders: dict[str, Sender],
        simulated: SimulatedChannel,
        vault: Vault | None = None,
        kept_for: timedelta = KEPT_FOR,
    ) -> None:
        self.db = db
        self.senders = senders
        self.simulated = simulated
        self.vault = vault  # without one nothing is written first (a test's bare outbox)
        self.kept_for = kept_for
        self.history = ChatHistory(db)
        self._locks = PersonLocks()  # one sender per person here; claims across gateways

    def _sender(self, channel: str, address: str) -> Sender | None:
        return self.simulated if address.startswith(SIMULATED_PREFIX) else self.senders.get(channel)

    async def deliver(self, outcome: Outcome) -> bool:
        """Send an outcome's replies unless the person opted out; True when all were
        accepted now (the rest wait in the outbox and are tried again)."""
        if not outcome.replies:
            return False
        if self._opted_out(outcome.pseudonym) and not outcome.confirms_opt_out:
            log.info("not sent: the person opted out")
            return False
        sender = self._sender(outcome.channel, outcome.address)
        if sender is None:
            log.error("no sender configured for channel %s; %d replies not sent",
                      outcome.channel, len(outcome.replies))  # fmt: skip
            return False
        if (
            self.vault is None
            or outcome.address.startswith(SIMULATED_PREFIX)
            or not self._known(outcome.pseudonym)  # erased (DELETE's own confirmation)
        ):
            ids = await sender.send(outcome.address, outcome.replies)
            self._remember(outcome.pseudonym, ids)
            return True
        self._write(outcome, self.vault)
        return await self.flush(outcome.pseudonym)

    def _write(self, outcome: Outcome, vault: Vault) -> None:
        with self.db.session() as session:
            address = vault.seal(outcome.address)
            session.add_all(
                OutboundMessage(
                    pseudonym=outcome.pseudonym,
                    channel=outcome.channel,
                    address_sealed=address,
                    reply_sealed=vault.seal(json.dumps(asdict(reply))),
                    confirms_opt_out=outcome.confirms_opt_out,
                )
                for reply in outcome.replies
            )

    async def flush(self, pseudonym: str) -> bool:
        """Send this person's waiting replies, oldest first; stop at the first that must
        wait (a later reply never overtakes an earlier one). True when none is left."""
        async with self._locks(pseudonym):
            while True:
                claimed = self._claim_oldest(pseudonym)
                if claimed is None:
                    return not self._waiting(pseudonym)
                if not await self._send(claimed):
                    return False

    def _claim_oldest(self, pseudonym: str) -> _Claimed | None:
        """The person's oldest reply if it is due, claimed with a lease (a conditional
        update: two gateways never send the same reply)."""
        if self.vault is None:
            return None
        now = utcnow()
        with self.db.session() as session:
            oldest = session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.pseudonym == pseudonym)
                .order_by(OutboundMessage.id)
                .limit(1)
            ).first()
            if oldest is None or as_utc(oldest.next_attempt_at) > now:
                return None
            claimed = session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == oldest.id, OutboundMessage.next_attempt_at <= now)
                .values(next_attempt_at=now + LEASE)
                # SQLite hands back naive times: no evaluating this against loaded rows
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            return _Claimed(
                oldest.id, pseudonym, oldest.channel, self.vault.open(oldest.address_sealed),
                Reply(**json.loads(self.vault.open(oldest.reply_sealed))),
                oldest.confirms_opt_out, oldest.attempts, as_utc(oldest.created_at),
            )  # fmt: skip

    async def _send(self, item: _Claimed) -> bool:
        """One reply; True when it is done with (accepted, or dropped for good)."""
        if self._opted_out(item.pseudonym) and not item.confirms_opt_out:
            return self._drop(item, "the person opted out")
        if utcnow() - item.created_at > self.kept_for:
            return self._drop(item, "older than the retention period")
        sender = self._sender(item.channel, item.address)
        if sender is None:
            return self._drop(item, f"no sender for channel {item.channel}")
        try:
            ids = await sender.send(item.address, [item.reply])
        except Exception as error:  # classified below; its text is never logged
            wait = retry_after(error)
            if wait is None:
                return self._drop(item, f"refused for good ({type(error).__name__})")
            attempts = item.attempts + 1
            delay = max(wait, backoff(attempts))
            with self.db.session() as session:
                session.execute(
                    update(OutboundMessage).where(OutboundMessage.id == item.id).values(
                        attempts=attempts, next_attempt_at=utcnow() + timedelta(seconds=delay))
                )  # fmt: skip
            log.warning("a reply waits for its provider (%s, attempt %d, next in %.0f s)",
                        type(error).__name__, attempts, delay)  # fmt: skip
            return False
        with self.db.session() as session:
            session.execute(delete(OutboundMessage).where(OutboundMessage.id == item.id))
        self._remember(item.pseudonym, ids)
        return True

    def _drop(self, item: _Claimed, why: str) -> bool:
        with self.db.session() as session:
            session.execute(delete(OutboundMessage).where(OutboundMessage.id == item.id))
        log.warning("dropped one waiting reply: %s", why)
        return True

    async def flush_due(self) -> int:
        """Every person whose oldest waiting reply is due (the gateway's chore); how many
        replies are still waiting afterwards."""
        with self.db.session() as session:
            oldest = (
                select(OutboundMessage.pseudonym, func.min(OutboundMessage.id).label("first"))
                .group_by(OutboundMessage.pseudonym)
                .subquery()
            )
            due = list(session.scalars(
                select(OutboundMessage.pseudonym)
                .join(oldest, OutboundMessage.id == oldest.c.first)
                .where(OutboundMessage.next_attempt_at <= utcnow())
            ))  # fmt: skip
        for pseudonym in due:
            await self.flush(pseudonym)
        return self.backlog()[0]

    def backlog(self) -> tuple[int, float]:
        """How many replies wait, and how long the oldest has waited (seconds)."""
        with self.db.session() as session:
            count, oldest = session.execute(
                select(func.count(OutboundMessage.id), func.min(OutboundMessage.created_at))
            ).one()
        age = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        return int(count), round(age, 1)

    def forget(self, pseudonym: str) -> int:
        """Nothing more reaches a person who left (EXIT, STOP): what waits is dropped."""
        with self.db.session() as session:
            result = session.execute(
                delete(OutboundMessage).where(OutboundMessage.pseudonym == pseudonym)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _waiting(self, pseudonym: str) -> bool:
        with self.db.session() as session:
            return session.scalar(
                select(OutboundMessage.id).where(OutboundMessage.pseudonym == pseudonym).limit(1)
            ) is not None  # fmt: skip

    def _known(self, pseudonym: str) -> bool:
        with self.db.session() as session:
            return session.get(Contact, pseudonym) is not None

    def _opted_out(self, pseudonym: str) -> bool:
        with self.db.session() as session:
            contact = session.get(Contact, pseudonym)
            return contact is not None and contact.opted_out

    def _remember(self, pseudonym: str, ids: list[int]) -> None:
        if ids and self._known(pseudonym):
            self.history.remember(pseudonym, ids)

    async def clear_chat(self, pseudonym: str, channel: str, address: str) -> int:
        """Delete what can still be deleted of a chat (quick exit); returns how many."""
        ids = self.history.take_deletable(pseudonym)
        sender = self._sender(channel, address)
        if ids and sender is not None:
            await sender.delete(address, ids)
        return len(ids)
