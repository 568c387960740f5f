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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
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
SEND_TIMEOUT_SECONDS = 30.0  # well inside the lease: a hung send can't outlive its claim
KEPT_FOR = timedelta(days=30)  # the retention period's default: older replies are dropped

InTransaction = Callable[[Session], None]


def retry_after(error: Exception) -> float | None:
    """Seconds to wait before trying again, or None when trying again cannot help (an
    invalid number, a chat that blocked the bot)."""
    if isinstance(error, RetryAfter):  # Telegram's flood limit says how long
        with warnings.catch_warnings():  # PTB 22 warns that an int becomes a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    if isinstance(error, InvalidToken):
        return 0.0  # a configuration being fixed: the replies wait for it
    if isinstance(error, BadRequest | Forbidden):
        return None
    if isinstance(error, NetworkError | httpx.HTTPError | OSError | asyncio.TimeoutError):
        return 0.0
    if isinstance(error, ProviderRefusedError):
        status = error.status if isinstance(error.status, int) else None
        # 401/403: the account's credentials or permissions, which an operator fixes.
        return 0.0 if status is None or status in (401, 403, 429) or status >= 500 else None
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
    lease: datetime  # this sender's claim: every later change of the row names it


_UNREADABLE = object()  # a row that could not be opened: dropped, the queue goes on


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

    async def deliver(self, outcome: Outcome, also: InTransaction | None = None) -> bool:
        """Send an outcome's replies unless the person opted out; True when all were
        accepted now (the rest wait in the outbox and are tried again). `also` runs in the
        transaction that writes them (the inbox removes the message they answer), or on its
        own when nothing is written."""
        sender = self._sender(outcome.channel, outcome.address)
        if not outcome.replies or (
            self._opted_out(outcome.pseudonym) and not outcome.confirms_opt_out
        ):
            self._on_its_own(also)
            return False
        if sender is None:
            log.error("no sender configured for channel %s; %d replies not sent",
                      outcome.channel, len(outcome.replies))  # fmt: skip
            self._on_its_own(also)
            return False
        if (
            self.vault is None
            or outcome.address.startswith(SIMULATED_PREFIX)
            or not self._known(outcome.pseudonym)  # erased (DELETE's own confirmation)
        ):
            self._on_its_own(also)
            ids = await sender.send(outcome.address, outcome.replies)
            self._remember(outcome.pseudonym, ids)
            return True
        self._write(outcome, self.vault, also)
        return await self.flush(outcome.pseudonym)

    def _on_its_own(self, also: InTransaction | None) -> None:
        if also is not None:
            with self.db.session() as session:
                also(session)

    def _write(self, outcome: Outcome, vault: Vault, also: InTransaction | None = None) -> None:
        with self.db.session() as session:
            if also is not None:
                also(session)
            # The person wrote again (perhaps in danger): what waits is tried at once, not
            # after its backoff, so that this answer does not wait behind it.
            session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.pseudonym == outcome.pseudonym)
                .values(next_attempt_at=utcnow())
                .execution_options(synchronize_session=False)
            )
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
                if isinstance(claimed, _Claimed) and not await self._send(claimed):
                    return False

    def _claim_oldest(self, pseudonym: str) -> _Claimed | object | None:
        """The person's oldest reply if it is due, claimed with a lease (a conditional
        update: two gateways never send the same reply). `_UNREADABLE` when the row could
        not be opened (it is dropped, so that it can't block the person's queue)."""
        if self.vault is None:
            return None
        now = utcnow()
        lease = now + LEASE
        with self.db.session() as session:
            oldest = session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.pseudonym == pseudonym)
                .order_by(OutboundMessage.id)
                .limit(1)
            ).first()
            if oldest is None or as_utc(oldest.next_attempt_at) > now:
                return None
            if oldest.claimed_until is not None and as_utc(oldest.claimed_until) > now:
                return None  # another sender has it
            claimed = session.execute(
                update(OutboundMessage)
                .where(
                    OutboundMessage.id == oldest.id,
                    or_(
                        OutboundMessage.claimed_until.is_(None),
                        OutboundMessage.claimed_until <= now,
                    ),
                )
                .values(claimed_until=lease)
                # SQLite hands back naive times: no evaluating this against loaded rows
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            try:
                return _Claimed(
                    oldest.id,
                    pseudonym,
                    oldest.channel,
                    self.vault.open(oldest.address_sealed),
                    Reply(**json.loads(self.vault.open(oldest.reply_sealed))),
                    oldest.confirms_opt_out,
                    oldest.attempts,
                    as_utc(oldest.created_at),
                    lease,
                )
            except (ValueError, TypeError, KeyError):
                session.execute(delete(OutboundMessage).where(OutboundMessage.id == oldest.id))
                log.error("dropped one waiting reply that could not be read")
                return _UNREADABLE

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
            ids = await asyncio.wait_for(
                sender.send(item.address, [item.reply]), SEND_TIMEOUT_SECONDS
            )
        except Exception as error:  # classified below; its text is never logged
            wait = retry_after(error)
            if wait is None:
                return self._drop(item, f"refused for good ({type(error).__name__})")
            attempts = item.attempts + 1
            delay = max(wait, backoff(attempts))
            with self.db.session() as session:
                session.execute(
                    update(OutboundMessage)
                    .where(*self._mine(item))
                    .values(
                        attempts=attempts,
                        claimed_until=None,
                        next_attempt_at=utcnow() + timedelta(seconds=delay),
                    )
                    .execution_options(synchronize_session=False)
                )
            log.warning("a reply waits for its provider (%s, attempt %d, next in %.0f s)",
                        type(error).__name__, attempts, delay)  # fmt: skip
            return False
        with self.db.session() as session:
            done = session.execute(delete(OutboundMessage).where(*self._mine(item)))
        if not done.rowcount:  # type: ignore[attr-defined]
            # The person left (EXIT, STOP, DELETE) while it was on its way: take it back
            # where the channel allows it (Telegram), rather than leave it on the phone.
            if ids:
                await sender.delete(item.address, ids)
            return True
        self._remember(item.pseudonym, ids)
        return True

    @staticmethod
    def _mine(item: _Claimed) -> tuple[ColumnElement[bool], ...]:
        """The row as this sender claimed it: never another's, never one claimed since."""
        return (OutboundMessage.id == item.id, OutboundMessage.claimed_until == item.lease)

    def _drop(self, item: _Claimed, why: str) -> bool:
        with self.db.session() as session:
            session.execute(delete(OutboundMessage).where(*self._mine(item)))
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
            due = list(
                session.scalars(
                    select(OutboundMessage.pseudonym)
                    .join(oldest, OutboundMessage.id == oldest.c.first)
                    .where(OutboundMessage.next_attempt_at <= utcnow())
                )
            )  # fmt: skip  (a claimed one is skipped by the claim itself)
        for pseudonym in due:
            try:
                await self.flush(pseudonym)
            except Exception:  # one person's trouble must not hold up the others
                log.exception("sending one person's waiting replies failed; will retry")
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
