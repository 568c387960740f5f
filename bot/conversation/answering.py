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
from functools import partial

from sqlalchemy.exc import DBAPIError

from bot.channels.base import Inbound
from bot.channels.inbox import Inbox, Waiting
from bot.conversation.service import Conversations
from bot.privacy.identity import pseudonym

log = logging.getLogger(__name__)

# Seconds to wait before trying a turn again while the database is unreachable (a restart
# takes a few); after the last, the message waits for the chore of any gateway.
DATABASE_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0)


class Answering:
    """The gateway's `Intake`: receive (write) now, answer in the background."""

    def __init__(self, conversations: Conversations, inbox: Inbox) -> None:
        self.conversations = conversations
        self.inbox = inbox

    def receive(self, inbound: Inbound, provider_id: str) -> str | None:
        pid = pseudonym(self.conversations.pseudonym_key, inbound.channel, inbound.address)
        return pid if self.inbox.accept(inbound, pid, provider_id) else None

    async def answer_waiting(self, pseudonym: str) -> int:
        answered = 0
        try:
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
        return sum([await self.answer_waiting(pid) for pid in self.inbox.left_behind()])

    async def _answer(self, waiting: Waiting) -> bool:
        """One turn, delivered; False when it must wait (the claim given back)."""
        for wait in (*DATABASE_WAITS, None):
            try:
                outcome = await self.conversations.handle(waiting.inbound)
                await self.conversations.outbox.deliver(
                    outcome, also=partial(Inbox.answered, waiting=waiting)
                )
                return True
            except asyncio.CancelledError:
                self._give_back(waiting)  # the gateway is stopping: another answers it
                raise
            except DBAPIError as exc:
                if wait is None:
                    break
                log.warning("database unavailable during a turn (%s); again in %.1f s",
                            type(exc).__name__, wait)  # fmt: skip
                await asyncio.sleep(wait)
            except Exception as exc:
                # A fault of ours: trying again would fail again and hold the person's queue.
                log.error("could not answer an inbound %s message: %s", waiting.inbound.channel,
                          type(exc).__name__, exc_info=True)  # fmt: skip
                self.inbox.done(waiting)
                return True
        self._give_back(waiting)
        return False

    def _give_back(self, waiting: Waiting) -> None:
        with contextlib.suppress(DBAPIError):  # its lease runs out instead
            self.inbox.release(waiting)
