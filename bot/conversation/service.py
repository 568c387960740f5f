"""One inbound message to its outcome: identity, keywords, engine, rendering.

The order matters for safety: opt-out first (nothing is sent to an opted-out person),
then keywords (they work without the engine), then the engine, then rendering. When the
engine fails, the person gets the emergency numbers and the message is kept, sealed,
until the engine answers it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, cast

from sqlalchemy import Table, delete, func, or_, select, update

from bot.channels.base import SIMULATED_PREFIX, Inbound, Outcome
from bot.channels.chat_history import ChatHistory
from bot.channels.outbox import Outbox
from bot.channels.simulator import PREVIEW_SENDER
from bot.conversation.danger import SELF_HARM, DangerLexicon
from bot.conversation.keywords import Keyword, KeywordMatch, KeywordMatcher
from bot.conversation.menus import digits, menu_of, typed_option
from bot.conversation.said import Said, as_typed_text
from bot.dialogue_engine import DialogueEngine, EngineError
from bot.handoff.desk import HandoffDesk
from bot.handoff.queue import contact_and_open_ticket
from bot.privacy.erasure import TrackerStore, erase_person
from bot.privacy.identity import Vault, pseudonym
from bot.store import CloseReason, Contact, Database, PendingMessage, Ticket
from bot.store.locks import PersonLocks
from bot.store.models import as_utc, utcnow
from bot.wording.catalogs import Catalogs
from bot.wording.language_guess import trained_guesser
from bot.wording.messages import ANYONE, ERASE, KEEP, WOMAN, BotMessage, Option
from bot.wording.packing import pack_for_sms
from bot.wording.render import Channel, Reply, render

log = logging.getLogger(__name__)

TO_A_PERSON = Option("option.request_human", "/request_human")

REDELIVERY_BATCH = 50
PENDING_LEASE = timedelta(seconds=120)  # longer than asking every engine replica takes
# A round of answering kept messages ends after this many people's failures (the engine is
# down, not their message), and one message is given up after this many failed rounds.
FAILURES_PER_ROUND = 3
GIVE_UP_AFTER_ATTEMPTS = 50
FORGET_AGAIN_AFTER_SECONDS = 75.0  # longer than Rasa's lock lifetime (60 s by default)
# When someone was last seen is written again only once it is this old: retention counts in
# days, and stamping every message cost each turn a write and its flush to disk (issue 19). A
# person is so erased at most this much before RETENTION_DAYS after their last message, never
# after it, and never mid-conversation (the purge's cutoff is days before the stored stamp).
SEEN_STEP = timedelta(minutes=1)
# Keywords the gateway answers even while a support worker has the conversation.
_ALWAYS_ANSWERED = frozenset({Keyword.EXIT, Keyword.STOP, Keyword.HELP, Keyword.DELETE})


class UnrecognisedSink(Protocol):
    """Where a message the model could not place goes, for editors to teach the bot
    (bot/learning/review.py's UnrecognisedLog; bot/app.py wires it)."""

    def keep(
        self,
        pseudonym: str,
        language: str,
        text: str,
        ranking: tuple[tuple[str, float], ...],
        offered: list[str] | None = None,
    ) -> int | None: ...

    def note_choice(self, pseudonym: str, payload: str, menu: list[str]) -> None: ...

    def forget(self, pseudonym: str) -> None: ...


WHICH = "fallback.which"  # the question "which of these did you mean?"


def intent_of(payload: str) -> str:
    """ "/ask_legal_aid{...}" -> "ask_legal_aid"."""
    return payload.lstrip("/").split("{", 1)[0]


# Addresses of editors' previews: simulated people (their replies are never sent) of their own.
PREVIEW_PREFIX = SIMULATED_PREFIX + PREVIEW_SENDER


@dataclass(frozen=True)
class Preview:
    catalogs: Catalogs  # the working copy with the open drafts
    language: str  # the language the previewed conversation starts in


_PREVIEW: ContextVar[Preview | None] = ContextVar("preview", default=None)


class Conversations:
    """The survivor pipeline: one inbound message to its outcome, one person at a time."""

    def __init__(
        self,
        *,
        db: Database,
        trackers: TrackerStore,
        catalogs: Catalogs,
        keywords: KeywordMatcher,
        danger: DangerLexicon,
        engine: DialogueEngine,
        vault: Vault,
        outbox: Outbox,
        desk: HandoffDesk,
        locks: PersonLocks,
        pseudonym_key: str,
        default_language: str = "en",
        unrecognised: UnrecognisedSink | None = None,
    ) -> None:
        self.db = db
        self.trackers = trackers
        self.catalogs = catalogs
        self.keywords = keywords
        self.danger = danger
        self.engine = engine
        self.vault = vault
        self.outbox = outbox
        self.desk = desk
        # One message at a time per person (the desk shares the locks), so replies keep
        # the order of the messages.
        self._locks = locks
        self.pseudonym_key = pseudonym_key
        self.default_language = default_language
        self.history = ChatHistory(db)
        self.unrecognised = unrecognised
        self._erasing: set[asyncio.Task[None]] = set()  # second erasures waiting to run

    async def handle(self, inbound: Inbound) -> Outcome:
        """What the person should get back for one inbound message (not yet delivered)."""
        pid = pseudonym(self.pseudonym_key, inbound.channel, inbound.address)
        async with self._locks(pid):
            self.catalogs.reload_if_changed()  # a publish reaches the very next reply
            said = Said.of(inbound.text or "")
            contact, ticket = self._contact_and_ticket(pid, inbound, said)
            if inbound.message_id is not None:  # a photo or a location goes on EXIT too
                self.history.remember(pid, [inbound.message_id])
            if inbound.text is None:  # a photo, voice note or location (Telegram)
                return self._not_text(contact, inbound.address)
            turn = inbound.turn or uuid.uuid4().hex
            return await self._handle(contact, ticket, inbound.address, said, turn)

    async def preview(self, inbound: Inbound, preview: Preview) -> Outcome:
        """An editor's preview: the same pipeline with the draft wording, in the language
        chosen, for an address of the simulator (nothing reaches a provider). The actions
        are told, so that asking for a person opens no ticket in the workers' queue."""
        if not inbound.address.startswith(PREVIEW_PREFIX):
            raise ValueError("a preview needs a preview address")
        token = _PREVIEW.set(preview)
        try:
            return await self.handle(inbound)
        finally:
            _PREVIEW.reset(token)

    @property
    def _catalogs(self) -> Catalogs:
        """The served wording, or an editor's drafts during their preview."""
        preview = _PREVIEW.get()
        return preview.catalogs if preview is not None else self.catalogs

    async def _handle(
        self, contact: Contact, ticket: Ticket | None, address: str, said: Said, turn: str
    ) -> Outcome:
        self._settle_language(contact, said)
        menu = contact.last_menu or {}
        match = self.keywords.match(said, digits(menu), contact.channel)
        if match is None and (digit := typed_option(menu, said)):
            match = KeywordMatch(Keyword.MENU_CHOICE, digit)
        if contact.opted_out:
            return self._while_opted_out(contact, address, said, match)

        choice = menu.get(match.value) if match and match.keyword is Keyword.MENU_CHOICE else None
        if choice and contact.consent is True and self.unrecognised and _PREVIEW.get() is None:
            on_screen = [menu[digit] for digit in digits(menu)]
            self.unrecognised.note_choice(contact.pseudonym, choice, on_screen)
        if choice in (ERASE.payload, KEEP.payload):
            return await self._answer_erasure(contact, address, choice == ERASE.payload)
        if choice in (WOMAN.payload, ANYONE.payload) and ticket is not None:
            self.desk.note_wish(ticket, woman=choice == WOMAN.payload)
            self._update(contact, last_menu={})
            return self._outcome(contact, address, self._say(contact, "handoff.wish_noted"))

        danger = None if match is not None else self.danger.kind(said)
        if ticket is not None and ticket.exited_at is not None:
            ticket = None  # after EXIT, whoever holds the phone talks to the bot, not staff
        if ticket is not None and (match is None or match.keyword not in _ALWAYS_ANSWERED):
            return await self._to_staff(contact, address, said, ticket, match, danger)
        if danger is not None:
            # Whatever the model would make of it (rule 17); the kind adds what it needs.
            # What it is about (marriage, a kidney) is offered too: the person may have asked.
            entities = {"topic": danger} if danger else {}
            if (about := self.danger.about(said)) is not None:
                entities["about"] = about
            emergency = "/emergency" + (json.dumps(entities) if entities else "")
            return await self._engine_turn(contact, address, emergency, danger, turn)
        engine_text = self._engine_text(said.text, match, menu)
        if engine_text is None:
            return await self._answer_keyword(contact, address, match, ticket)
        return await self._engine_turn(contact, address, engine_text, None, turn)

    async def _engine_turn(
        self, contact: Contact, address: str, engine_text: str, danger: str | None, turn: str
    ) -> Outcome:
        try:
            messages = await self._ask_engine(contact, engine_text, turn)
        except EngineError as exc:
            log.warning("engine unavailable (%s)", exc)
            down = self._engine_down(contact, engine_text, danger, turn)
            return self._outcome(contact, address, down)
        replies = await self._after_turn(contact, address, engine_text, messages)
        return self._outcome(contact, address, replies)

    async def _after_turn(
        self, contact: Contact, address: str, engine_text: str, messages: list[BotMessage]
    ) -> list[Reply]:
        """The engine's answer rendered, and what it means for what we keep: at once, or
        when a kept message is answered after an outage (a "no" to keeping counts then too)."""
        replies, erase = self._render_turn(contact, messages)
        if erase:
            await self._erase(contact, address)
        elif contact.consent is not True:
            self.trackers.scrub_text(contact.pseudonym)  # nothing they wrote outlives the turn
            # A "no" after a "yes" too. Before any answer (None) nothing was ever kept: only a
            # yes keeps, and no answer goes back to None, so there is nothing to look for.
            if self.unrecognised is not None and contact.consent is False:
                self.unrecognised.forget(contact.pseudonym)
        else:
            self._keep_if_unrecognised(contact, engine_text, messages)
        return replies

    def _keep_if_unrecognised(
        self, contact: Contact, engine_text: str, messages: list[BotMessage]
    ) -> None:
        """A message the model could not place, from someone who agreed to keeping what
        they write: masked, for editors to teach the bot (never a payload or a keyword)."""
        asked = next((m for m in messages if m.unrecognised is not None), None)
        if self.unrecognised is None or asked is None or engine_text.startswith("/"):
            return
        if _PREVIEW.get() is not None:
            return  # an editor trying the bot out is not a person to learn from
        if asked.unrecognised is None:  # found by it: never so, but the type can't tell
            return
        written = trained_guesser().clearly(engine_text) or contact.language
        # The meanings offered by "which did you mean?" (intent names only: a payload's
        # entities can name a place, and this row outlives the menu).
        offered = [intent_of(o.payload) for o in asked.options] if asked.key == WHICH else []
        self.unrecognised.keep(contact.pseudonym, written, engine_text, asked.unrecognised, offered)

    def _not_text(self, contact: Contact, address: str) -> Outcome:
        """Something we can't read: the numbers, and one button to reach a person, so that
        someone who can't read much can still act on it (issue 15)."""
        if contact.opted_out:
            return self._outcome(contact, address, [])
        asked = BotMessage("telegram.not_text", options=(TO_A_PERSON,))
        replies = render(asked, contact.language, Channel(contact.channel), self._catalogs)
        self._update(contact, last_menu=menu_of(replies[-1]))
        return self._outcome(contact, address, replies)

    def _while_opted_out(
        self, contact: Contact, address: str, said: Said, match: KeywordMatch | None
    ) -> Outcome:
        """After STOP only START, HELP (carrier rules) and a plea in danger are answered:
        the emergency numbers are an answer to the person's own message (rule 17)."""
        if match is not None and match.keyword is Keyword.START:
            self._update(contact, opted_out=False)
            return self._outcome(contact, address, self._say(contact, "optin.done"))
        if match is not None and match.keyword is Keyword.HELP:
            return self._reply_while_opted_out(contact, address, "help.reply")
        kind = None if match is not None else self.danger.kind(said)
        if kind is None:
            return self._outcome(contact, address, [])  # nothing at all until START
        outcome = self._reply_while_opted_out(contact, address, "emergency.numbers")
        outcome.replies.extend(self._self_harm_line(contact, kind))
        return outcome

    def _reply_while_opted_out(self, contact: Contact, address: str, key: str) -> Outcome:
        replies = self._say(contact, key)
        return Outcome(contact.pseudonym, contact.channel, address, replies, confirms_opt_out=True)

    def _self_harm_line(self, contact: Contact, kind: str | None) -> list[Reply]:
        """For suicide and self-harm, someone to talk to now, after the emergency numbers."""
        return self._say(contact, "emergency.self_harm") if kind == SELF_HARM else []

    def _engine_down(
        self, contact: Contact, engine_text: str, danger: str | None, turn: str
    ) -> list[Reply]:
        """Numbers now; the message kept for later only when the person agreed to keeping."""
        replies = self._self_harm_line(contact, danger)
        if contact.consent is not True or _PREVIEW.get() is not None:
            # A preview's message is never answered later: it would no longer be a preview.
            return self._say(contact, "engine.unavailable_not_kept") + replies
        with self.db.session() as session:
            session.add(
                PendingMessage(
                    pseudonym=contact.pseudonym, text_sealed=self.vault.seal(engine_text), turn=turn
                )
            )
        return self._say(contact, "engine.unavailable") + replies

    async def redeliver_pending(self) -> int:
        """Answer kept messages, oldest first per person. A person whose message the engine
        fails on waits for the next round without holding anyone else's; after a few
        failures in one round the engine is taken to be down (the round ends)."""
        with self.db.session() as session:
            pending = list(
                session.scalars(
                    select(PendingMessage).order_by(PendingMessage.id).limit(REDELIVERY_BATCH)
                )
            )
        answered, failed = 0, set()
        for item in pending:
            if item.pseudonym in failed:
                continue  # their later messages wait behind the one that failed
            outcome = await self._redeliver(item)
            if outcome is None:
                failed.add(item.pseudonym)
                if len(failed) >= FAILURES_PER_ROUND:
                    break
                continue
            if outcome.replies or outcome.address:
                await self.outbox.deliver(outcome)
                answered += 1
        return answered

    async def _redeliver(self, item: PendingMessage) -> Outcome | None:
        """One kept message answered (an empty outcome when there is nothing to do), or
        None when the engine failed on it."""
        async with self._locks(item.pseudonym):
            with self.db.session() as session:
                contact = session.get(Contact, item.pseudonym)
            if contact is None or not self._claim_pending(item.id):
                return Outcome(item.pseudonym, "", "")  # erased, or another gateway has it
            try:
                text = self.vault.open(item.text_sealed)
                messages = await self._ask_engine(contact, text, item.turn or uuid.uuid4().hex)
            except EngineError:
                self._failed_again(item)
                return None
            with self.db.session() as session:
                session.execute(delete(PendingMessage).where(PendingMessage.id == item.id))
            address = self.vault.open(contact.address_sealed)
            replies = await self._after_turn(contact, address, text, messages)
            return self._outcome(contact, address, replies)

    def _failed_again(self, item: PendingMessage) -> None:
        """One more failure; a message the engine failed on this often is given up (the
        person had the numbers with the holding line), so it can't wait for ever."""
        with self.db.session() as session:
            stored = session.get(PendingMessage, item.id)
            if stored is None:
                return
            if stored.attempts + 1 >= GIVE_UP_AFTER_ATTEMPTS:
                session.delete(stored)
                log.warning("gave up a kept message after %d failed attempts", stored.attempts + 1)
                return
            stored.attempts += 1
            stored.claimed_until = None

    def _claim_pending(self, item_id: int) -> bool:
        """A kept message for this gateway only (a lease: several gateways run this chore,
        and each would otherwise answer it)."""
        now = utcnow()
        with self.db.session() as session:
            claimed = session.execute(
                update(PendingMessage)
                .where(
                    PendingMessage.id == item_id,
                    or_(PendingMessage.claimed_until.is_(None), PendingMessage.claimed_until < now),
                )
                .values(claimed_until=now + PENDING_LEASE)
                .execution_options(synchronize_session=False)
            )
            return claimed.rowcount == 1  # type: ignore[attr-defined]

    def pending_count(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(PendingMessage)) or 0

    # -- steps -----------------------------------------------------------------------------

    async def _ask_engine(self, contact: Contact, text: str, turn: str) -> list[BotMessage]:
        """The engine's answer; `turn` names this message's turn, the same when it is sent
        again (engine/turns_once.py answers a finished turn from its record)."""
        # A handoff that ended while the engine was down: it must listen again first.
        if contact.engine_paused:
            if not await self.desk.resume(contact.pseudonym):
                raise EngineError("engine still paused after a handoff")
            contact.engine_paused = False
        return await self.engine.send(contact.pseudonym, text, self._metadata(contact, turn))

    def _metadata(self, contact: Contact, turn: str) -> dict[str, str]:
        metadata = {"language": contact.language, "channel": contact.channel, "turn": turn}
        if _PREVIEW.get() is not None:
            metadata["preview"] = "yes"  # the actions open no ticket for an editor's preview
        return metadata

    def _contact_and_ticket(
        self, pid: str, inbound: Inbound, said: Said
    ) -> tuple[Contact, Ticket | None]:
        """The person (created on first contact) and their open ticket: one transaction."""
        with self.db.session() as session:
            contact, ticket = contact_and_open_ticket(session, pid)
            if contact is None:  # and so no ticket either (a ticket's person must exist)
                preview = _PREVIEW.get()
                guessed = preview.language if preview else self._guess(said)
                contact = Contact(
                    pseudonym=pid,
                    channel=str(inbound.channel),
                    address_sealed=self.vault.seal(inbound.address),
                    language=guessed or self.default_language,
                    language_settled=guessed is not None,
                    last_menu={},
                )
                session.add(contact)
            now = utcnow()
            if contact.last_seen_at is None or now - as_utc(contact.last_seen_at) >= SEEN_STEP:
                contact.last_seen_at = now
            return contact, ticket

    def _guess(self, said: Said) -> str | None:
        """The language a message is written in, if it says, and we have it."""
        guessed = trained_guesser().guess(said.text) if said.text else None
        return guessed if guessed is not None and self.catalogs.has(guessed) else None

    def _settle_language(self, contact: Contact, said: Said) -> None:
        """The first message said nothing of the language (a voice note, "🙏", "hi"): the
        first one that does sets it, until the person chose one (issue 19)."""
        if not contact.language_settled and (guessed := self._guess(said)) is not None:
            self._update(contact, language=guessed, language_settled=True)

    async def _to_staff(
        self,
        contact: Contact,
        address: str,
        said: Said,
        ticket: Ticket,
        match: KeywordMatch | None,
        danger: str | None,
    ) -> Outcome:
        """A support worker has this conversation: the message is theirs, not the engine's."""
        if match is not None and match.keyword is Keyword.BOT:
            replies = await self.desk.hand_back(contact, ticket, CloseReason.SURVIVOR)
            self._update(contact, last_menu={})
            return self._outcome(contact, address, replies)
        replies = self.desk.take(contact, ticket, said.text, danger=danger is not None)
        replies += self._self_harm_line(contact, danger)  # as outside a ticket
        return self._outcome(contact, address, replies)

    def _engine_text(
        self, text: str, match: KeywordMatch | None, menu: dict[str, str]
    ) -> str | None:
        """What to send to the engine, or None when the gateway answers by itself."""
        if match is not None and match.keyword is Keyword.MENU_CHOICE:
            payload = menu[match.value]
            return text if payload.startswith("!") else payload  # a gateway choice gone stale
        if match is None:
            # Only the gateway may send "/intent" payloads: typed text always goes through NLU.
            return as_typed_text(text)
        if match.keyword is Keyword.START:
            return "/greet"
        if match.keyword is Keyword.LANGUAGE:
            return "/change_language"
        if match.keyword is Keyword.PRIVACY:
            return "/privacy_info"
        if match.keyword is Keyword.CHOOSE_LANGUAGE:
            return "/change_language" + json.dumps({"language": match.value})
        if match.keyword is Keyword.BOT:
            return text  # only means something while a worker has the conversation
        return None

    async def _answer_keyword(
        self, contact: Contact, address: str, match: KeywordMatch | None, ticket: Ticket | None
    ) -> Outcome:
        """The keywords the gateway answers itself (`_engine_text` returned None for them)."""
        keyword = match.keyword if match is not None else None
        if keyword is Keyword.EXIT:
            # Quick exit: delete what the chat app allows, forget the conversation so far and
            # anything still to be answered; the person is kept (language, opt-out), and so is
            # a request for a worker, who is told to wait.
            await self.outbox.clear_chat(contact.pseudonym, contact.channel, address)
            self.trackers.forget(contact.pseudonym)
            self._drop_pending(contact.pseudonym)
            self._update(contact, last_menu={})
            if ticket is not None:
                self.desk.note_quick_exit(ticket)
            return self._outcome(contact, address, self._say(contact, "exit.done"))
        if keyword is Keyword.STOP:
            if ticket is not None:
                await self.desk.hand_back(contact, ticket, CloseReason.OPTED_OUT)
            self._drop_pending(contact.pseudonym)
            self._update(contact, opted_out=True, last_menu={})
            replies = self._say(contact, "optout.done")
            return Outcome(
                contact.pseudonym, contact.channel, address, replies, confirms_opt_out=True
            )
        if keyword is Keyword.HELP:
            return self._outcome(contact, address, self._say(contact, "help.reply"))
        if keyword is Keyword.DELETE:
            # Never at once (rule 11): "1" erases, "0" keeps, anything else leaves it be.
            asked = BotMessage("delete.ask", options=(ERASE,), zero=KEEP)
            replies = render(asked, contact.language, Channel(contact.channel), self._catalogs)
            self._update(contact, last_menu=menu_of(replies[-1]))
            return self._outcome(contact, address, replies)
        raise ValueError(f"no answer for keyword {keyword}")

    async def _answer_erasure(self, contact: Contact, address: str, erase: bool) -> Outcome:
        if not erase:
            self._update(contact, last_menu={})
            return self._outcome(contact, address, self._say(contact, "delete.kept"))
        replies = self._say(contact, "delete.done")
        await self._erase(contact, address)
        return self._outcome(contact, address, replies)

    async def _erase(self, contact: Contact, address: str) -> None:
        """Everything, and on Telegram the chat too (its ids go with the erasure)."""
        await self.outbox.clear_chat(contact.pseudonym, contact.channel, address)
        if self.unrecognised is not None:
            self.unrecognised.forget(contact.pseudonym)  # and their lines of training data
        erase_person(self.db, self.trackers, contact.pseudonym)
        # A turn of theirs that another gateway had in the engine right then saves the whole
        # conversation again when it ends (review F18): forget it again once any such turn
        # is over (Rasa's lock lives 60 s), unless they wrote again; the purge's sweep of
        # strangers catches it if this gateway stops first.
        task = asyncio.create_task(self._forget_again(contact.pseudonym))
        self._erasing.add(task)
        task.add_done_callback(self._erasing.discard)

    def stop_waiting_work(self) -> None:
        """The gateway stops: second erasures still waiting are left to the purge's sweep."""
        for task in list(self._erasing):
            task.cancel()

    async def _forget_again(self, pseudonym: str) -> None:
        await asyncio.sleep(FORGET_AGAIN_AFTER_SECONDS)
        try:
            with self.db.session() as session:
                if session.get(Contact, pseudonym) is not None:
                    return  # they wrote again: that is a new conversation
            self.trackers.forget(pseudonym)
        except Exception as exc:  # the purge's sweep comes later anyway
            log.warning("could not forget an erased conversation again: %s", type(exc).__name__)

    def _drop_pending(self, pseudonym: str) -> None:
        """No late answer after EXIT or STOP: a kept message is never answered any more,
        and nothing they wrote waits in the editors' list (EXIT forgets the conversation)."""
        with self.db.session() as session:
            session.execute(delete(PendingMessage).where(PendingMessage.pseudonym == pseudonym))
        if dropped := self.outbox.forget(pseudonym):
            log.info("dropped %d replies still waiting for their provider", dropped)
        if self.unrecognised is not None:
            self.unrecognised.forget(pseudonym)

    def _render_turn(
        self, contact: Contact, messages: list[BotMessage]
    ) -> tuple[list[Reply], bool]:
        """The replies, and whether the person confirmed erasure (the caller erases)."""
        replies: list[Reply] = []
        menu: dict[str, str] = {}
        erase = False
        language, consent, settled = contact.language, contact.consent, contact.language_settled
        for message in messages:
            if message.set_language and self._catalogs.has(message.set_language):
                language, settled = message.set_language, True
            if message.consent is not None:
                consent = message.consent
            erase = erase or message.erase
            rendered = render(message, language, Channel(contact.channel), self._catalogs)
            replies.extend(rendered)
            for reply in rendered:
                if reply.menu:
                    menu = menu_of(reply)
        if not erase:
            self._update(contact, language=language, last_menu=menu, consent=consent,
                         language_settled=settled)  # fmt: skip
        if contact.channel == Channel.SMS:
            replies = pack_for_sms(replies)
        return replies, erase

    def _say(self, contact: Contact, key: str) -> list[Reply]:
        return render(BotMessage(key), contact.language, Channel(contact.channel), self._catalogs)

    @staticmethod
    def _outcome(contact: Contact, address: str, replies: list[Reply]) -> Outcome:
        return Outcome(contact.pseudonym, contact.channel, address, replies)

    def _update(self, contact: Contact, **changes: object) -> None:
        if all(getattr(contact, name) == value for name, value in changes.items()):
            return  # nothing new: no write (most turns keep language and menu)
        contacts = cast(Table, Contact.__table__)
        with self.db.session() as session:
            # One UPDATE, not a SELECT to load the row first: this runs on most turns (on the
            # table: the ORM's bulk update costs twice the CPU and nothing here needs it).
            updated = session.execute(
                update(contacts).where(contacts.c.pseudonym == contact.pseudonym).values(**changes)
            )
        if updated.rowcount == 1:  # type: ignore[attr-defined]  # 0: erased meanwhile
            for name, value in changes.items():
                setattr(contact, name, value)
