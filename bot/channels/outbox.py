"""The one way out: every reply to a person goes through `Outbox.deliver`."""

from __future__ import annotations

import logging

from bot.channels.base import SIMULATED_PREFIX, Outcome, Sender
from bot.channels.chat_history import ChatHistory
from bot.channels.simulator import SimulatedChannel
from bot.store import Contact, Database

log = logging.getLogger(__name__)


class Outbox:
    """Every reply leaves here, so the opt-out check can't be skipped. Simulated people's
    replies go to the simulated channel, a recording transport like the real ones."""

    def __init__(
        self, *, db: Database, senders: dict[str, Sender], simulated: SimulatedChannel
    ) -> None:
        self.db = db
        self.senders = senders
        self.simulated = simulated
        self.history = ChatHistory(db)

    def _sender(self, channel: str, address: str) -> Sender | None:
        return self.simulated if address.startswith(SIMULATED_PREFIX) else self.senders.get(channel)

    async def deliver(self, outcome: Outcome) -> bool:
        """Send an outcome's replies unless the person opted out; True when sent."""
        if not outcome.replies:
            return False
        with self.db.session() as session:
            contact = session.get(Contact, outcome.pseudonym)
            opted_out = contact is not None and contact.opted_out
        if opted_out and not outcome.confirms_opt_out:
            log.info("not sent: the person opted out")
            return False
        sender = self._sender(outcome.channel, outcome.address)
        if sender is None:
            log.error("no sender configured for channel %s; %d replies not sent",
                      outcome.channel, len(outcome.replies))  # fmt: skip
            return False
        message_ids = await sender.send(outcome.address, outcome.replies)
        if message_ids and contact is not None:
            self.history.remember(outcome.pseudonym, message_ids)
        return True

    async def clear_chat(self, pseudonym: str, channel: str, address: str) -> int:
        """Delete what can still be deleted of a chat (quick exit); returns how many."""
        ids = self.history.take_deletable(pseudonym)
        sender = self._sender(channel, address)
        if ids and sender is not None:
            await sender.delete(address, ids)
        return len(ids)
