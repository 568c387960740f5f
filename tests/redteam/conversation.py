"""The real survivor pipeline in one process, for walking every state with every message.

The gateway (`Conversations`, keywords, danger lexicon, handoff desk, outbox) is the real
one, and so are the actions: `WalkerEngine` stands in for Rasa at the HTTP seam and runs
the real actions through `bot.editing.walk.Dialogue`, keeping each conversation's events in a
Rasa-shaped SQL tracker table, so that EXIT, DELETE and the consent scrub act on it as
they act on Rasa's.

Only NLU is replaced, and adversarially: a danger phrase is read as `out_of_scope`, as if
the model had missed it, so only the gateway's own safety net can save the person.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import select, text

from bot.channels import Inbound
from bot.config import ROOT
from bot.conversation.keywords import read_keyword_words
from bot.conversation.service import Conversations
from bot.editing.walk import Dialogue
from bot.handoff.desk import HandoffDesk
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import pseudonym
from bot.store import Author, Contact, Database, PendingMessage, Ticket, TicketStatus
from bot.store.models import utcnow
from bot.wording.catalogs import Catalogs
from bot.wording.languages import normalize
from bot.wording.messages import BotMessage
from bot.wording.render import Channel, Reply
from tests.auxil.pipeline import pipeline

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus.yml").read_text(encoding="utf-8"))
LANGUAGES = ("en", "ur", "ur_Latn")
KEY = "ZGV2LWFkZHJlc3Mta2V5LWNoYW5nZS1tZS0wMDAwMDA="

# What the stand-in NLU reads each corpus category as. Danger is read as out_of_scope on
# purpose: the model may miss it, the gateway must not.
_INTENT_OF = {"yes": "affirm", "no": "deny", "skip": "skip"}
# Requests the walks use to reach states; read as their intent.
ASK_PERSON = {"en": "can i talk to a real person", "ur": "کسی انسان سے بات کرنی ہے",
              "ur_Latn": "kisi insaan se baat karni hai"}  # fmt: skip
ASK_DELETE = {"en": "pls remove what i told u", "ur": "جو لکھا وہ ہٹا دو",
              "ur_Latn": "jo likha wo hata do"}  # fmt: skip
ASK_PRIVACY = {"en": "who reads these msgs", "ur": "یہ میسج کون پڑھتا ہے",
               "ur_Latn": "ye msg kon parhta hai"}  # fmt: skip
ASK_SERVICE = {"en": "need a lawyer", "ur": "مجھے وکیل چاہیے", "ur_Latn": "mje wakeel chahiye"}
_REQUESTS = {
    **{t: "request_human" for t in ASK_PERSON.values()},
    **{t: "delete_data" for t in ASK_DELETE.values()},
    **{t: "privacy_info" for t in ASK_PRIVACY.values()},
    **{t: "find_service" for t in ASK_SERVICE.values()},
}

# Slots that hold the conversation's own state (a question's name, an intent's name), never
# the person's words: a person who writes "language" isn't kept because `pending` is.
_STATE_SLOTS = frozenset({"pending", "onboarding", "deferred_intent"})


def corpus(category: str, language: str) -> list[str]:
    """One category's messages in one language; danger kinds are pooled."""
    if category == "danger":
        return [m for kind in CORPUS["danger"].values() for m in kind[language]]
    return list(CORPUS[category][language])


def danger_kind(category_kind: str, language: str) -> list[str]:
    return list(CORPUS["danger"][category_kind][language])


def keyword_spellings() -> dict[str, list[str]]:
    """Every exact keyword spelling, by keyword."""
    words: dict[str, list[str]] = {}
    for item in read_keyword_words(ROOT / "content" / "keywords.yml"):
        words.setdefault(str(item.keyword), []).append(item.word)
    return words


def stand_in_intent(message: str) -> str:
    """What the stand-in model makes of typed text (see the module's docstring)."""
    if message in _REQUESTS:
        return _REQUESTS[message]
    for category, intent in _INTENT_OF.items():
        if any(message in CORPUS[category][lang] for lang in LANGUAGES):
            return intent
    return "out_of_scope" if message.strip() else "nlu_fallback"


class WalkerEngine:
    """Rasa's REST channel at the transport seam, answering with the real actions."""

    def __init__(self, trackers: TrackerStore) -> None:
        self.trackers = trackers
        self.dialogues: dict[str, Dialogue] = {}
        self.received: list[dict[str, Any]] = []
        self.down = False
        self._pool = ThreadPoolExecutor(1)  # actions run their own event loop

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("engine down", request=request)
        if request.url.path.endswith("/tracker/events"):
            return httpx.Response(200, json={})
        body = json.loads(request.content)
        self.received.append(body)
        messages = self._pool.submit(self._turn, body).result()
        items = [{"recipient_id": body["sender"], "custom": m.to_payload()} for m in messages]
        return httpx.Response(200, json=items)

    def _turn(self, body: dict[str, Any]) -> list[BotMessage]:
        sender, said = body["sender"], body["message"]
        dialogue = self.dialogues.get(sender)
        if dialogue is None or not self._has_events(sender):  # new, or forgotten (EXIT)
            dialogue = self.dialogues[sender] = Dialogue(sender=sender)
        dialogue.language = body["metadata"]["language"]
        dialogue.channel = body["metadata"]["channel"]
        if said.startswith("/"):
            messages = dialogue.send_payload(said)
            intent = said.lstrip("/").partition("{")[0]
        else:
            intent = stand_in_intent(said)
            messages = dialogue.say(intent, said)
        self._store(sender, said, intent, dialogue.slots)
        return messages

    def _has_events(self, sender: str) -> bool:
        with self.trackers.engine.begin() as conn:
            found = conn.execute(
                text("SELECT 1 FROM events WHERE sender_id = :s LIMIT 1"), {"s": sender}
            ).first()
        return found is not None

    def _store(self, sender: str, said: str, intent: str, slots: dict[str, Any]) -> None:
        """A user event with the text and the slot events, as Rasa's tracker store keeps."""
        user = {"event": "user", "text": said, "parse_data": {"text": said,
                "intent": {"name": intent}, "entities": []}}  # fmt: skip
        rows = [("user", json.dumps(user))]
        rows += [
            ("slot", json.dumps({"event": "slot", "name": name, "value": value}))
            for name, value in slots.items()
        ]
        with self.trackers.engine.begin() as conn:
            for type_name, data in rows:
                conn.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data)"
                        " VALUES (:s, :t, :ts, :d)"
                    ),
                    {"s": sender, "t": type_name, "ts": time.time(), "d": data},
                )

    def written(self, sender: str) -> list[str]:
        """Everything of one conversation that could hold the person's words: the text of
        each message, the text the model read, entity values, and slot values."""
        found: list[str] = []
        for line in self.tracker_text(sender).splitlines():
            event = json.loads(line)
            if event.get("event") == "user":
                parse = event.get("parse_data") or {}
                found += [event.get("text"), parse.get("text")]
                found += [e.get("value") for e in parse.get("entities") or []]
            elif event.get("event") == "slot" and event.get("name") not in _STATE_SLOTS:
                found.append(event.get("value"))
        return [str(value) for value in found if value is not None]

    def tracker_text(self, sender: str) -> str:
        with self.trackers.engine.begin() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}
            ).all()
        return "\n".join(row[0] or "" for row in rows)


class RecordingSender:
    """A channel that keeps what it was asked to send or delete (unprompted messages)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Reply]] = {}
        self.deleted: dict[str, list[int]] = {}
        self._ids = iter(range(10**6, 10**7))

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        self.sent.setdefault(address, []).extend(replies)
        return [next(self._ids) for _ in replies]

    async def delete(self, address: str, message_ids: list[int]) -> None:
        self.deleted.setdefault(address, []).extend(message_ids)


@dataclass
class Stack:
    """The gateway and the actions, sharing one database, as in production."""

    db: Database
    trackers: TrackerStore
    engine: WalkerEngine
    conversations: Conversations
    desk: HandoffDesk
    sender: RecordingSender


@dataclass
class Person:
    """One survivor on one channel; every reply they got, step by step."""

    stack: Stack
    channel: Channel
    address: str
    said: list[str] = field(default_factory=list)
    replies: list[list[Reply]] = field(default_factory=list)
    _next_id: Iterator[int] = field(default_factory=lambda: iter(range(1000, 10**6)))

    @property
    def pid(self) -> str:
        return pseudonym("secret", self.channel, self.address)

    async def says(self, message: str) -> list[Reply]:
        message_id = next(self._next_id) if self.channel is Channel.TELEGRAM else None
        outcome = await self.stack.conversations.handle(
            Inbound(self.channel, self.address, message, message_id)
        )
        self.said.append(message)
        self.replies.append(outcome.replies)
        return outcome.replies

    def contact(self) -> Contact | None:
        with self.stack.db.session() as session:
            return session.get(Contact, self.pid)

    def tickets(self) -> list[Ticket]:
        with self.stack.db.session() as session:
            return list(session.scalars(select(Ticket).where(Ticket.pseudonym == self.pid)))

    def reached_worker(self, message: str) -> bool:
        """The message is the last thing the person wrote in their open ticket."""
        for ticket in self.tickets():
            if ticket.status != TicketStatus.CLOSED:
                lines = self.stack.desk.conversation(ticket.id)
                said = [line.text for line in lines if line.author == Author.SURVIVOR]
                return bool(said) and said[-1] == normalize(message)
        return False

    def pending(self) -> int:
        with self.stack.db.session() as session:
            return len(
                list(
                    session.scalars(
                        select(PendingMessage).where(PendingMessage.pseudonym == self.pid)
                    )
                )
            )

    def unprompted(self) -> list[Reply]:
        """What reached the person without a message of theirs to answer."""
        return self.stack.sender.sent.pop(self.address, [])


async def later(stack: Stack, hours: float = 49) -> None:
    """Time passes: silent tickets close, kept messages are retried."""
    await stack.desk.close_silent(now=utcnow() + timedelta(hours=hours))
    await stack.conversations.redeliver_pending()


def build_stack(db: Database, trackers: TrackerStore, catalogs: Catalogs, client: httpx.AsyncClient,
                engine: WalkerEngine) -> Stack:  # fmt: skip
    sender = RecordingSender()
    wired = pipeline(db, trackers, catalogs, client, senders={"sms": sender, "telegram": sender},
                     timeout=5.0, address_key=KEY)  # fmt: skip
    conversations, desk = wired.conversations, wired.desk
    return Stack(db, trackers, engine, conversations, desk, sender)
