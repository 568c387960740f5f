"""One inbound message to its replies: identity, keywords, engine, rendering.

The order matters for safety: opt-out first (nothing is sent to an opted-out person),
then keywords (they work without the engine), then the engine, then rendering.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.engine import Engine, EngineError
from bot.erasure import TrackerStore, erase_person
from bot.i18n import Catalogs
from bot.identity import AddressVault, pseudonym
from bot.keywords import Keyword, KeywordMatch, KeywordMatcher
from bot.languages import guess_language, normalize
from bot.messages import BotMessage
from bot.render import Channel, Reply, render
from bot.store import Contact, Database
from bot.store.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """A message as a channel received it. `address` is a phone number or chat id."""

    channel: Channel
    address: str
    text: str


class Conversations:
    def __init__(
        self,
        *,
        db: Database,
        trackers: TrackerStore,
        catalogs: Catalogs,
        keywords: KeywordMatcher,
        engine: Engine,
        vault: AddressVault,
        pseudonym_key: str,
        default_language: str = "en",
    ) -> None:
        self.db = db
        self.trackers = trackers
        self.catalogs = catalogs
        self.keywords = keywords
        self.engine = engine
        self.vault = vault
        self.pseudonym_key = pseudonym_key
        self.default_language = default_language

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Everything the channel should send back for one inbound message."""
        self.catalogs.reload_if_changed()
        text = normalize(inbound.text)
        contact = self._contact(inbound, text)
        match = self.keywords.match(text, set(contact.last_menu or {}))

        if contact.opted_out:
            if match and match.keyword is Keyword.START:
                self._update(contact, opted_out=False)
                return self._say(contact, "optin.done")
            return []  # carrier rules: nothing at all until START

        engine_text = self._engine_text(text, match, contact.last_menu or {})
        if engine_text is None:
            assert match is not None
            return self._answer_keyword(contact, match)

        metadata = {"language": contact.language, "channel": contact.channel}
        try:
            messages = await self.engine.send(contact.pseudonym, engine_text, metadata)
        except EngineError as exc:
            log.warning("engine unavailable: %s", exc)
            return self._say(contact, "engine.unavailable")
        return self._render_turn(contact, messages)

    # -- steps -----------------------------------------------------------------------------

    def _contact(self, inbound: Inbound, text: str) -> Contact:
        pid = pseudonym(self.pseudonym_key, inbound.channel, inbound.address)
        with self.db.session() as session:
            contact = session.get(Contact, pid)
            if contact is None:
                language = guess_language(text, self.default_language)
                if not self.catalogs.has(language):
                    language = self.default_language
                contact = Contact(
                    pseudonym=pid,
                    channel=str(inbound.channel),
                    address_sealed=self.vault.seal(inbound.address),
                    language=language,
                    last_menu={},
                )
                session.add(contact)
            contact.last_seen_at = utcnow()
            return contact

    def _engine_text(
        self, text: str, match: KeywordMatch | None, menu: dict[str, str]
    ) -> str | None:
        """What to send to the engine, or None when the gateway answers by itself."""
        if match is not None and match.keyword is Keyword.MENU_CHOICE:
            return menu[match.value]
        if match is None:
            # Only the gateway may send "/intent" payloads: typed text always goes through NLU.
            return text.lstrip("/") or "?"
        if match.keyword is Keyword.START:
            return "/greet"
        if match.keyword is Keyword.LANGUAGE:
            return "/change_language"
        if match.keyword is Keyword.CHOOSE_LANGUAGE:
            return "/change_language" + json.dumps({"language": match.value})
        return None

    def _answer_keyword(self, contact: Contact, match: KeywordMatch) -> list[Reply]:
        if match.keyword is Keyword.EXIT:
            # Quick exit: forget the conversation so far; the person is kept (language, opt-out).
            self.trackers.forget(contact.pseudonym)
            self._update(contact, last_menu={})
            return self._say(contact, "exit.done")
        if match.keyword is Keyword.STOP:
            self._update(contact, opted_out=True, last_menu={})
            return self._say(contact, "optout.done")
        if match.keyword is Keyword.HELP:
            return self._say(contact, "help.reply")
        if match.keyword is Keyword.DELETE:
            replies = self._say(contact, "delete.done")
            erase_person(self.db, self.trackers, contact.pseudonym)
            return replies
        raise AssertionError(f"unhandled keyword {match.keyword}")

    def _render_turn(self, contact: Contact, messages: list[BotMessage]) -> list[Reply]:
        replies: list[Reply] = []
        menu: dict[str, str] = {}
        erase = False
        for message in messages:
            if message.set_language and self.catalogs.has(message.set_language):
                contact.language = message.set_language
            erase = erase or message.erase
            rendered = render(message, contact.language, Channel(contact.channel), self.catalogs)
            replies.extend(rendered)
            for reply in rendered:
                if reply.menu:
                    menu = reply.menu
        if erase:
            erase_person(self.db, self.trackers, contact.pseudonym)
        else:
            self._update(contact, language=contact.language, last_menu=menu)
        return replies

    def _say(self, contact: Contact, key: str) -> list[Reply]:
        return render(BotMessage(key), contact.language, Channel(contact.channel), self.catalogs)

    def _update(self, contact: Contact, **changes: object) -> None:
        with self.db.session() as session:
            stored = session.get(Contact, contact.pseudonym)
            if stored is None:
                return
            for name, value in changes.items():
                setattr(stored, name, value)
                setattr(contact, name, value)
