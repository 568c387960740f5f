"""The one way out: every reply to a person goes through `Outbox.deliver`."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select

from bot.channels.base import SIMULATED_PREFIX, Sender
from bot.store import ChatMessage, Contact, Database
from bot.store.models import utcnow
from bot.wording.render import Reply

log = logging.getLogger(__name__)

DELETABLE_FOR = timedelta(hours=48)  # the Bot API lets a bot delete messages this old


@dataclass(frozen=True)
class Outcome:
    """What one inbound message led to, ready to deliver."""

    pseudonym: str
    channel: str
    address: str
    replies: list[Reply] = field(default_factory=list)
    # Allowed after STOP: its confirmation, and answers to HELP or to a plea in danger.
    confirms_opt_out: bool = False


class SimulatorMailbox:
    """Out-of-band replies to simulated people (answers after an outage, staff replies)."""

    def __init__(self) -> None:
        self._boxes: dict[str, list[Reply]] = defaultdict(list)

    def put(self, address: str, replies: list[Reply]) -> None:
        self._boxes[address].extend(replies)

    def take(self, address: str) -> list[Reply]:
        return self._boxes.pop(address, [])


class Outbox:
    def __init__(
        self, *, db: Database, senders: dict[str, Sender], mailbox: SimulatorMailbox
    ) -> None:
        self.db = db
        self.senders = senders
        self.mailbox = mailbox

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
        if outcome.address.startswith(SIMULATED_PREFIX):
            self.mailbox.put(outcome.address, outcome.replies)
            return True
        sender = self.senders.get(outcome.channel)
        if sender is None:
            log.error("no sender configured for channel %s; %d replies not sent",
                      outcome.channel, len(outcome.replies))  # fmt: skip
            return False
        message_ids = await sender.send(outcome.address, outcome.replies)
        if message_ids and contact is not None:
            with self.db.session() as session:
                session.add_all(
                    ChatMessage(pseudonym=outcome.pseudonym, message_id=m) for m in message_ids
                )
        return True

    def remember_incoming(self, pseudonym: str, message_id: int) -> None:
        with self.db.session() as session:
            session.add(ChatMessage(pseudonym=pseudonym, message_id=message_id))

    async def clear_chat(self, pseudonym: str, channel: str, address: str) -> int:
        """Delete what can still be deleted of a chat (quick exit); returns how many."""
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
        sender = self.senders.get(channel)
        if ids and sender is not None and not address.startswith(SIMULATED_PREFIX):
            await sender.delete(address, ids)
        return len(ids)
