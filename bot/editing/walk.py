"""Walk the real actions through whole conversations without the engine.

The actions are loaded by package name, as the action server loads them (`rasa_sdk
--actions actions`), so the gateway never imports the action package. The rules file
decides which action answers an intent, as RulePolicy would; entities fill slots as the
domain's `from_entity` mappings would. NLU is replaced by naming the intent. Tests use it to
drive conversations; `rahnuma content check` uses `walk_all` to render every message the
flows can produce, with its real menu, in every language.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sqlalchemy import delete

from bot.config import ACTIONS_PACKAGE, ROOT, get_settings
from bot.conversation.danger import DangerLexicon
from bot.directory import load_gazetteer
from bot.directory.demo import seed_demo
from bot.handoff.hours import WEEKDAYS
from bot.store import (
    Contact,
    Database,
    ListingChange,
    ServiceListing,
    close_shared_databases,
)
from bot.wording.messages import BotMessage

_FROM_ENTITY_SLOTS = ("service_type", "location")
_HOURS_VARIABLE = "RAHNUMA_STAFF_HOURS_FILE"


def _rules() -> dict[str, str]:
    data = yaml.safe_load((ROOT / "dialogues/data/rules/intents.yml").read_text(encoding="utf-8"))
    mapping = {}
    for rule in data["rules"]:
        steps = rule["steps"]
        mapping[steps[0]["intent"]] = steps[1]["action"]
    return mapping


# An action's `run(dispatcher, tracker, domain)`, as the action server registered it.
ActionRun = Callable[
    [CollectingDispatcher, Tracker, dict[str, Any]], Coroutine[Any, Any, list[dict[str, Any]]]
]


@cache
def registered_actions(package: str = ACTIONS_PACKAGE) -> dict[str, ActionRun]:
    """Loaded on first use, so importing the walker (the content check does) loads nothing."""
    executor = ActionExecutor()
    executor.register_package(package)
    return dict(executor.actions)


RULES = _rules()


def _topics() -> list[str]:
    info = get_settings().content_dir / "info.yml"
    return list(yaml.safe_load(info.read_text(encoding="utf-8"))["topics"])


@dataclass
class Dialogue:
    """One person's conversation with the actions; `slots` persist between turns."""

    sender: str = "p_test"
    language: str = "en"
    channel: str = "sms"
    slots: dict[str, Any] = field(default_factory=dict)
    last: list[BotMessage] = field(default_factory=list)
    paused: bool = False  # the last turn paused the engine for a support worker
    ranking: list[tuple[str, float]] = field(default_factory=list)  # see say_unsure
    confidence: float = 1.0  # how sure the model is of what the person says next
    preview: bool = False  # an editor's preview in the console (the gateway says so)

    def _metadata(self) -> dict[str, str]:
        """What the gateway sends with each message (bot/conversation/service.py)."""
        metadata = {"language": self.language, "channel": self.channel}
        if self.preview:
            metadata["preview"] = "yes"
        return metadata

    def say_unsure(self, ranking: list[tuple[str, float]], text: str = "?") -> list[BotMessage]:
        """The person says something the model could not place, unsure between `ranking`."""
        self.ranking = ranking
        try:
            return self.say("nlu_fallback", text)
        finally:
            self.ranking = []

    def say(self, intent: str, text: str = "", **entities: str | list[str]) -> list[BotMessage]:
        """The person says something the model read as `intent` with `entities` (a list for
        several values of one entity: Rasa's from_entity mapping fills the slot with the first)."""
        tagged = [(name, value) for name, values in entities.items()
                  for value in (values if isinstance(values, list) else [values])]  # fmt: skip
        for name in _FROM_ENTITY_SLOTS:
            first = next((value for tag, value in tagged if tag == name), None)
            if first is not None:
                self.slots[name] = first
        run = registered_actions()[RULES[intent]]
        tracker = Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message={
                "intent": {"name": intent, "confidence": self.confidence},
                "intent_ranking": [{"name": n, "confidence": c} for n, c in self.ranking],
                "entities": [{"entity": k, "value": v} for k, v in tagged],
                "text": text or intent,
                "metadata": self._metadata(),
            },
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        events = asyncio.run(run(dispatcher, tracker, {}))
        self.paused = False
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            self.paused = self.paused or event.get("event") == "pause"
        self.last = [BotMessage.from_payload(m["custom"]) for m in dispatcher.messages]
        for message in self.last:
            if message.set_language:
                self.language = message.set_language
        return self.last

    def choose(self, digit: str) -> list[BotMessage]:
        """Pick a numbered option of the last menu, as the gateway would send it."""
        menu = next(m for m in reversed(self.last) if m.is_menu)
        option = menu.zero if digit == "0" else menu.options[int(digit) - 1]
        if option is None:
            raise ValueError(f"the last menu has no option {digit}")
        return self.send_payload(option.payload)

    def send_payload(self, payload: str) -> list[BotMessage]:
        intent, _, entities = payload.lstrip("/").partition("{")
        parsed = json.loads("{" + entities) if entities else {}
        return self.say(intent, payload, **parsed)

    def onboard(self) -> None:
        """Greeting (in the conversation's language), safe to talk, consent: the usual first
        contact."""
        self.say("greet", "hi")
        self.say("affirm", "yes")
        self.say("affirm", "yes")


def keys(messages: list[BotMessage]) -> list[str]:
    return [m.key for m in messages]


# Paths through the conversation that together show every kind of message.
WALKS: list[list[tuple[str, dict[str, str]]]] = [
    [("greet", {}), ("affirm", {}), ("affirm", {}), ("affirm", {})],
    [("emergency", {}), ("affirm", {}), ("affirm", {})],
    [
        ("find_service", {"location": "dir"}),
        ("skip", {}),
        ("skip", {}),
        ("skip", {}),
        ("affirm", {}),
    ],
    [("skip", {})] * 8,
    [("out_of_scope", {}), ("out_of_scope", {}), ("out_of_scope", {})],
    [
        ("delete_data", {}),
        ("affirm", {}),
        ("affirm", {}),
        ("affirm", {}),
        ("delete_data", {}),
        ("deny", {}),
    ],
    [
        ("change_language", {}),
        ("bot_challenge", {}),
        ("privacy_info", {}),
        ("thank", {}),
        ("goodbye", {}),
    ],
]


def walk_all() -> list[BotMessage]:
    seen: list[BotMessage] = []
    for walk in WALKS:
        dialogue = Dialogue()
        if walk[0][0] != "greet":
            dialogue.onboard()
        for intent, entities in walk:
            seen += dialogue.say(intent, **entities)
    dialogue = Dialogue()
    dialogue.onboard()
    information = [intent for intent, action in RULES.items() if action == "action_show_info"]
    for intent in information:  # each flow from its start, two choices deep
        for first in "1234":
            for second in "1234":
                seen += dialogue.say(intent)
                if not dialogue.last[-1].options[int(first) - 1 :]:
                    continue
                seen += dialogue.choose(first)
                if dialogue.last[-1].options[int(second) - 1 :]:
                    seen += dialogue.choose(second)
    for topic in _topics():  # every step, as a menu choice opens it
        seen += dialogue.say(information[0], f"/{information[0]}", topic=topic)
    for about in DangerLexicon.from_file(
        get_settings().content_dir / "danger.yml"
    ).topics():  # an emergency that names a topic offers it too
        seen += dialogue.say("emergency", "/emergency", about=about)
    # Unsure between two meanings: which one? (the longest labels: two information flows)
    unsure = [
        ("nlu_fallback", 0.5),
        ("ask_sexual_exploitation", 0.3),
        ("ask_emotional_support", 0.3),
    ]
    seen += dialogue.say_unsure(unsure)
    seen += dialogue.say_unsure(
        [("nlu_fallback", 0.5), ("privacy_info", 0.3), ("find_service", 0.3)]
    )
    # Not understood, and clearly in another language: that language is offered.
    seen += dialogue.say_unsure(
        [("nlu_fallback", 0.9)], "mujhe samajh nahi aa raha aap kya keh rahe"
    )
    for kind in ["shelter", "legal_aid", "medical", "counselling", "helpline"]:
        for place in ["lahore", "karachi", "quetta", "gilgit", "xyzzy", "dubai"]:
            seen += dialogue.say("find_service", service_type=kind, location=place)
            seen += dialogue.say("skip")
    for digit in "1234":
        dialogue.say("greet")
        dialogue.choose("2")  # Information
        seen += dialogue.last + dialogue.choose(digit)
    later = Dialogue()
    seen += later.say("greet") + later.choose("2")
    switched = Dialogue()  # a word the introduction names, at the safety question
    seen += switched.say("greet") + switched.say("change_language", language="ur_Latn")
    declined = Dialogue()
    seen += declined.say("greet") + declined.choose("1") + declined.choose("2")
    seen += declined.say("greet")
    return seen


def walk_handoffs() -> list[BotMessage]:
    """Every way of asking for a person (what is said depends on the staff hours)."""
    seen: list[BotMessage] = []
    dialogue = Dialogue()
    dialogue.onboard()
    for start in ["request_human", "emergency"]:
        for answer in ["affirm", "deny", "skip"]:
            seen += dialogue.say(start)
            seen += dialogue.say("affirm")
            seen += dialogue.say(answer)
    unknown = Dialogue(sender="p_not_stored")  # the request can't be kept: said honestly
    unknown.onboard()
    seen += unknown.say("request_human") + unknown.say("affirm") + unknown.say("affirm")
    return seen


def walk_empty_directory(db: Database) -> list[BotMessage]:
    """A directory with nothing verified yet (a new deployment): the honest answer."""
    with db.session() as session:
        session.execute(delete(ListingChange))
        session.execute(delete(ServiceListing))
    dialogue = Dialogue()
    dialogue.onboard()
    return dialogue.say("find_service", service_type="legal_aid", location="lahore")


def staff_hours_variants(folder: Path) -> list[Path]:
    """Schedules that make every handoff answer happen: staffed now, back on a named day
    (the longest wording), and no staff hours at all."""
    always = folder / "hours-always.yml"
    always.write_text(
        "timezone: UTC\nweek:\n" + "".join(f"  {day}: ['00:00-24:00']\n" for day in WEEKDAYS)
    )
    later = folder / "hours-later.yml"
    day = WEEKDAYS[(datetime.now(UTC).weekday() + 3) % 7]
    later.write_text(f"timezone: UTC\nweek:\n  {day}: ['09:00-17:00']\n")
    never = folder / "hours-never.yml"
    never.write_text("timezone: UTC\nweek: {}\n")
    return [always, later, never]


def collect_messages() -> list[BotMessage]:
    """Every message of the walks, run against a throwaway copy of the demo directory."""
    settings = get_settings()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'walks.db'}"
        db = Database(url)
        db.migrate()
        with db.session() as session:
            seed_demo(
                session,
                settings.seed_services_file,
                load_gazetteer(settings.gazetteer_file),
                today=date.today(),
            )
            session.add(
                Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en")
            )
        saved = {name: os.environ.get(name) for name in ("DATABASE_URL", _HOURS_VARIABLE)}
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        try:
            seen = walk_all()
            for schedule in staff_hours_variants(Path(folder)):
                os.environ[_HOURS_VARIABLE] = str(schedule)
                get_settings.cache_clear()
                seen += walk_handoffs()
            return seen + walk_empty_directory(db)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()
            close_shared_databases()
            db.engine.dispose()
