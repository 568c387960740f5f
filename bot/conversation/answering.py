"""From the inbox to the outbox: what the webhooks wrote is answered here, once, in order.

A message is removed from the inbox in the transaction that writes its answer to the
outbox, so a crash between the two repeats the turn instead of losing it (the person then
reads one answer: the first turn's was never written). PostgreSQL restarting during a turn
makes it wait and try again; a stopping gateway gives its messages back (bot/channels/inbox.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from bot.channels import inbox as inbox_module
from bot.channels.base import Inbound, Outcome
from bot.channels.inbox import ClaimLostError, Inbox, Waiting
from bot.conversation.keywords import Keyword
from bot.conversation.said import Said
from bot.conversation.service import Conversations
from bot.privacy.identity import pseudonym

log = logging.getLogger(__name__)

# Seconds to wait before trying a turn again while the database is unreachable (a restart
# takes a few); after the last, the message waits for the chore of any gateway.
DATABASE_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0)

T = TypeVar("T")


class Answering:
    """The gateway's `Intake`: receive (write) now, answer in the background."""

    def __init__(self, conversations: Conversations, inbox: Inbox) -> None:
        self.conversations = conversations
        self.inbox = inbox
        # Messages that must not wait behind the person's earlier ones (EXIT, STOP, DELETE,
        # danger): a turn under way or a dead gateway's claim would hold them (rules 10, 17).
        self._urgent: dict[str, list[tuple[int, bool]]] = {}

    def receive(self, inbound: Inbound, provider_id: str) -> str | None:
        pid = pseudonym(self.conversations.pseudonym_key, inbound.channel, inbound.address)
        row = self.inbox.accept(inbound, pid, provider_id)
        if row is None:
            return None
        urgency = self._urgency(inbound)
        if urgency is not None:
            self._urgent.setdefault(pid, []).append((row, urgency))
        return pid

    def _urgency(self, inbound: Inbound) -> bool | None:
        """None for an ordinary message; True for EXIT and STOP (what came before them
        gets no answer any more), False for DELETE and danger."""
        if inbound.text is None:
            return None
        said = Said.of(inbound.text)
        match = self.conversations.keywords.match(said, set(), inbound.channel)
        if match is not None and match.keyword in (Keyword.EXIT, Keyword.STOP):
            return True
        if match is not None and match.keyword is Keyword.DELETE:
            return False
        return False if self.conversations.danger.kind(said) is not None else None

    async def answer_waiting(self, pseudonym: str) -> int:
        answered = 0
        try:
            for row, ends_the_rest in self._urgent.pop(pseudonym, []):
                waiting = self.inbox.claim(row)
                if isinstance(waiting, Waiting):
                    if ends_the_rest:
                        self.inbox.drop_before(pseudonym, row)
                    answered += await self._answer(waiting)
            while (waiting := self.inbox.claim_oldest(pseudonym)) is not None:
                if not await self._answer(waiting):
                    break  # it waits for the chore; the next can't overtake it
                answered += 1
        except DBAPIError as exc:  # claiming itself failed: the chore comes back to it
            log.warning("could not read waiting messages: %s", type(exc).__name__)
        return answered

    async def answer_left_behind(self) -> int:
        """What no task is answering: a gateway died or stopped, or the database was away
        for longer than a turn waits for it."""
        answered = 0
        for pid in self.inbox.left_behind():
            try:
                answered += await self.answer_waiting(pid)
            except Exception as exc:  # one person's trouble must not hold everyone else's
                log.error("answering one person's waiting messages failed: %s",
                          type(exc).__name__)  # fmt: skip
        return answered

    async def _answer(self, waiting: Waiting) -> bool:
        """One turn, delivered, its claim kept while it runs; False when it must wait (the
        claim given back)."""
        keeping = asyncio.create_task(self._keep_claim(waiting))
        try:
            return await self._answer_claimed(waiting)
        finally:
            keeping.cancel()

    async def _keep_claim(self, waiting: Waiting) -> None:
        while True:
            await asyncio.sleep(inbox_module.LEASE.total_seconds() / 3)
            try:
                if not self.inbox.extend(waiting):
                    return
            except DBAPIError:
                continue  # the database is away: the turn is waiting for it too

    async def _answer_claimed(self, waiting: Waiting) -> bool:
        try:
            outcome = await self._turn(waiting)
            if outcome is None:
                self._give_back(waiting)
                return False
            return await self._deliver(waiting, outcome)
        except asyncio.CancelledError:
            self._give_back(waiting)  # the gateway is stopping: another answers it
            raise
        except Exception as exc:
            # A fault of ours: trying again would fail again and hold the person's queue.
            log.error("could not answer an inbound %s message: %s", waiting.inbound.channel,
                      type(exc).__name__, exc_info=True)  # fmt: skip
            with contextlib.suppress(DBAPIError):
                self.inbox.done(waiting)
            return True

    async def _turn(self, waiting: Waiting) -> Outcome | None:
        """The turn, tried again while the database is away (it fails before or after the
        engine's turn; after, the engine hears the message twice: the person reads one
        answer). None when the database stayed away."""

        async def turn() -> Outcome:
            return await self.conversations.handle(waiting.inbound)

        outcome = await _while_the_database_is_away(turn, "during a turn")
        return outcome if isinstance(outcome, Outcome) else None

    async def _deliver(self, waiting: Waiting, outcome: Outcome) -> bool:
        """The answer written (with the message's removal) and sent; only writing is tried
        again, never the turn: the engine has answered it already."""

        async def write() -> bool:
            try:
                await self.conversations.outbox.deliver(
                    outcome, also=partial(Inbox.answered, waiting=waiting)
                )
            except ClaimLostError:
                log.info("a message was answered elsewhere or dropped meanwhile")
            return True

        if await _while_the_database_is_away(write, "writing an answer") is _AWAY:
            self._give_back(waiting)
            return False
        return True

    def _give_back(self, waiting: Waiting) -> None:
        with contextlib.suppress(DBAPIError):  # its lease runs out instead
            self.inbox.release(waiting)


_AWAY = object()  # the database stayed away through every wait


async def _while_the_database_is_away(
    attempt: Callable[[], Awaitable[T]], doing: str
) -> T | object:
    """`attempt` again after each of DATABASE_WAITS while the database can't be reached;
    `_AWAY` when it never could."""
    for wait in (*DATABASE_WAITS, None):
        try:
            return await attempt()
        except DBAPIError as exc:
            if wait is None:
                break
            log.warning("database unavailable %s (%s); again in %.1f s",
                        doing, type(exc).__name__, wait)  # fmt: skip
            await asyncio.sleep(wait)
    return _AWAY
