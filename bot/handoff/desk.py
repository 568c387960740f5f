"""The handoff desk: survivor messages into open tickets, staff replies out, hand back to the bot.

While a ticket is open the person talks to staff, not to the engine (DESIGN.md decision 6).
Every text is sealed at rest. Every reply goes out through the Outbox, in the person's
own channel, so opt-out and the channel's shape apply to staff replies too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from bot.channels.base import Outcome
from bot.channels.outbox import Outbox
from bot.dialogue_engine import DialogueEngine, EngineError
from bot.handoff.queue import add_message
from bot.privacy.identity import Vault
from bot.store import Author, CloseReason, Contact, Database, Ticket, TicketMessage, TicketStatus
from bot.store.locks import PersonLocks
from bot.store.models import as_utc, utcnow
from bot.store.tickets import OPEN_STATUSES
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage
from bot.wording.render import Channel, Reply, plain, render
from bot.wording.segments import MAX_SEGMENTS

log = logging.getLogger(__name__)

# A person writing again while nobody has claimed their ticket is told so, at most this often.
WAITING_NOTICE_EVERY = timedelta(minutes=30)
MAX_STAFF_REPLY = 306  # characters: two GSM-7 segments; with an Urdu letter, 134 (rule 8)

# Staff-facing notes in the conversation (the console is for staff, in English).
NOTE_QUICK_EXIT = "The person used quick exit: someone may be near them. Wait until they write."
NOTE_DANGER = "Danger words: the person was sent the emergency numbers at once."
NOTE_HELD = "Not sent: the person used quick exit. Wait until they ask for a person again."


class TicketNotOpenError(RuntimeError):
    """The ticket was closed (or erased) meanwhile."""


@dataclass(frozen=True)
class StaffReply:
    """What became of a worker's reply: sent (in so many SMS segments), held, or waiting
    in the outbox because the provider has not taken it yet (it goes out by itself)."""

    segments: int
    held: bool = False
    waiting: bool = False


class ReplyTooLongError(ValueError):
    """A worker's reply over two SMS segments (SAFETY.md rule 8)."""


@dataclass(frozen=True)
class ShownMessage:
    """One line of a ticket's conversation, opened for the console."""

    id: int
    author: str
    staff_id: int | None
    text: str
    sent_at: datetime


class HandoffDesk:
    def __init__(
        self,
        *,
        db: Database,
        vault: Vault,
        catalogs: Catalogs,
        outbox: Outbox,
        engine: DialogueEngine,
        locks: PersonLocks,
        silence: timedelta,
    ) -> None:
        self.db = db
        self.vault = vault
        self.catalogs = catalogs
        self.outbox = outbox
        self.engine = engine
        self.locks = locks
        self.silence = silence

    # -- the survivor's side (called by Conversations, under the person's lock) -------------

    def take(self, contact: Contact, ticket: Ticket, text: str, *, danger: bool) -> list[Reply]:
        """Keep a message for staff; say only what the person must hear now."""
        replies: list[Reply] = []
        now = utcnow()
        with self.db.session() as session:
            stored = session.get(Ticket, ticket.id)
            if stored is None:
                return []
            add_message(session, stored, Author.SURVIVOR, self.vault.seal(text))
            if danger:
                stored.urgent = True
                add_message(session, stored, Author.NOTE, self.vault.seal(NOTE_DANGER))
                replies += self._say(contact, "emergency.numbers")
            waited = stored.waiting_notice_at
            if stored.status == TicketStatus.QUEUED and (
                waited is None or now - as_utc(waited) >= WAITING_NOTICE_EVERY
            ):
                stored.waiting_notice_at = now
                replies += self._say(contact, "handoff.waiting")
            for reply in replies:  # staff see what the person was told meanwhile
                add_message(session, stored, Author.BOT, self.vault.seal(reply.text))
        return replies

    def note_wish(self, ticket: Ticket, *, woman: bool) -> None:
        """The person's answer to "a woman support worker?", asked after an urgent handoff."""
        with self.db.session() as session:
            stored = session.get(Ticket, ticket.id)
            if stored is not None:
                stored.wants_woman_worker = woman
                stored.updated_at = utcnow()  # open consoles show the badge at once

    def note_quick_exit(self, ticket: Ticket) -> None:
        """Someone may hold the phone now: nothing goes out until the person asks again."""
        with self.db.session() as session:
            stored = session.get(Ticket, ticket.id)
            if stored is not None:
                stored.exited_at = utcnow()
                add_message(session, stored, Author.NOTE, self.vault.seal(NOTE_QUICK_EXIT))

    async def hand_back(self, contact: Contact, ticket: Ticket, reason: CloseReason) -> list[Reply]:
        """The person asked for the bot again (or opted out): close and resume the engine."""
        key = "handoff.back_to_bot" if reason is CloseReason.SURVIVOR else None
        closed = self._close_record(ticket.id, reason, staff_id=None, key=key, contact=contact)
        if not closed:
            return []
        await self.resume(contact.pseudonym)
        return self._say(contact, key) if key else []

    async def resume(self, pseudonym: str) -> bool:
        """Tell the engine to listen again; kept as owed when it can't be reached."""
        try:
            await self.engine.resume(pseudonym)
        except EngineError as exc:
            log.warning("engine not resumed yet (%s); will resume before the next message", exc)
            return False
        with self.db.session() as session:
            session.execute(
                update(Contact).where(Contact.pseudonym == pseudonym).values(engine_paused=False)
            )
        return True

    # -- the staff's side (called by the console) ------------------------------------------

    def conversation(self, ticket_id: int, after: int = 0) -> list[ShownMessage]:
        with self.db.session() as session:
            rows = session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id > after)
                .order_by(TicketMessage.id)
            ).all()
            return [
                ShownMessage(m.id, m.author, m.staff_id, self.vault.open(m.text_sealed), m.sent_at)
                for m in rows
            ]

    def summary(self, ticket: Ticket) -> str:
        return self.vault.open(ticket.summary_sealed) if ticket.summary_sealed else ""

    def save_summary(self, ticket_id: int, text: str) -> None:
        with self.db.session() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotOpenError(ticket_id)
            ticket.summary_sealed = self.vault.seal(text) if text else None
            ticket.updated_at = utcnow()

    def claim(self, ticket_id: int, staff_id: int) -> bool:
        """Take a queued ticket; False when someone else was faster."""
        now = utcnow()
        with self.db.session() as session:
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.QUEUED)
                .values(
                    status=TicketStatus.CLAIMED, claimed_by=staff_id, claimed_at=now, updated_at=now
                )
            )
            return bool(cast(CursorResult[Any], result).rowcount)

    async def reply(
        self, ticket_id: int, staff_id: int, text: str | None = None, canned_key: str | None = None
    ) -> StaffReply:
        """Send a worker's words (or a canned reply in the person's language) to the person;
        held, not sent, when the person used quick exit since (someone may have the phone)."""
        pseudonym = self._pseudonym(ticket_id)
        async with self.locks(pseudonym):
            with self.db.session() as session:
                ticket = session.get(Ticket, ticket_id)
                contact = session.get(Contact, pseudonym)
                if ticket is None or contact is None or ticket.status != TicketStatus.CLAIMED:
                    raise TicketNotOpenError(ticket_id)
                if canned_key is not None:
                    text = self.catalogs.render(contact.language, canned_key)
                if text is None:
                    raise ValueError("a reply needs a text or a canned key")
                reply = plain(text)
                if reply.segments > MAX_SEGMENTS:
                    raise ReplyTooLongError(reply.segments)
                if ticket.exited_at is not None:  # held: the phone may be in other hands
                    add_message(session, ticket, Author.HELD, self.vault.seal(text), staff_id)
                    add_message(session, ticket, Author.NOTE, self.vault.seal(NOTE_HELD))
                    return StaffReply(reply.segments, held=True)
                add_message(session, ticket, Author.STAFF, self.vault.seal(text), staff_id)
            accepted = await self._send(contact, [reply])
        return StaffReply(reply.segments, waiting=not accepted)

    async def close(self, ticket_id: int, staff_id: int | None, reason: CloseReason) -> bool:
        """Close and give the conversation back to the bot; tell the person only when they
        are still there: never after a silence or a quick exit (the bot never writes first,
        rule 2)."""
        pseudonym = self._pseudonym(ticket_id)
        async with self.locks(pseudonym):
            with self.db.session() as session:
                contact = session.get(Contact, pseudonym)
                ticket = session.get(Ticket, ticket_id)
                silent = reason is CloseReason.SILENCE or (
                    ticket is not None and ticket.exited_at is not None
                )
            if contact is None:
                return False
            key = None if silent else "handoff.closed"
            if not self._close_record(ticket_id, reason, staff_id, key, contact):
                return False
            if key is not None:
                await self._send(contact, self._say(contact, key))
            await self.resume(pseudonym)
        return True

    async def close_silent(self, now: datetime | None = None) -> int:
        """Close claimed tickets where nothing happened for the silence period."""
        cutoff = (now or utcnow()) - self.silence
        with self.db.session() as session:
            silent = list(
                session.scalars(
                    select(Ticket.id).where(
                        Ticket.status == TicketStatus.CLAIMED, Ticket.updated_at < cutoff
                    )
                )
            )
        closed = 0
        for ticket_id in silent:
            if await self.close(ticket_id, None, CloseReason.SILENCE):
                closed += 1
        return closed

    # -- helpers ------------------------------------------------------------------------------

    def _pseudonym(self, ticket_id: int) -> str:
        with self.db.session() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotOpenError(ticket_id)
            return ticket.pseudonym

    def _close_record(
        self,
        ticket_id: int,
        reason: CloseReason,
        staff_id: int | None,
        key: str | None,
        contact: Contact,
    ) -> bool:
        """Close once (two gateways may try); the closing line is kept in the conversation."""
        now = utcnow()
        with self.db.session() as session:
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status.in_(OPEN_STATUSES))
                .values(
                    status=TicketStatus.CLOSED,
                    closed_at=now,
                    closed_by=staff_id,
                    close_reason=reason,
                    updated_at=now,
                )
            )
            if not cast(CursorResult[Any], result).rowcount:
                return False
            ticket = session.get(Ticket, ticket_id)
            if key is not None and ticket is not None:  # the update above found it
                said = self.catalogs.render(contact.language, key)
                add_message(session, ticket, Author.BOT, self.vault.seal(said))
        return True

    async def _send(self, contact: Contact, replies: list[Reply]) -> bool:
        """True when the provider took every reply now (the rest wait in the outbox)."""
        address = self.vault.open(contact.address_sealed)
        return await self.outbox.deliver(
            Outcome(contact.pseudonym, contact.channel, address, replies)
        )

    def _say(self, contact: Contact, key: str) -> list[Reply]:
        return render(BotMessage(key), contact.language, Channel(contact.channel), self.catalogs)
