"""Drive the real actions through whole conversations without the engine.

The rules file decides which action answers an intent, as RulePolicy would; entities
fill slots as the domain's `from_entity` mappings would. NLU is replaced by naming the
intent, so each test is about the conversation, not the model.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import survivor
from bot.config import ROOT
from bot.messages import BotMessage

_FROM_ENTITY_SLOTS = ("service_type", "location")


def _rules() -> dict[str, str]:
    data = yaml.safe_load((ROOT / "dialogues/data/rules/intents.yml").read_text(encoding="utf-8"))
    mapping = {}
    for rule in data["rules"]:
        steps = rule["steps"]
        mapping[steps[0]["intent"]] = steps[1]["action"]
    return mapping


def _actions() -> dict[str, survivor.SurvivorAction]:
    found = {}
    for cls in survivor.SurvivorAction.__subclasses__():
        action = cls()
        found[action.name()] = action
    return found


RULES = _rules()
ACTIONS = _actions()


@dataclass
class Dialogue:
    """One person's conversation with the actions; `slots` persist between turns."""

    sender: str = "p_test"
    language: str = "en"
    channel: str = "sms"
    slots: dict[str, Any] = field(default_factory=dict)
    last: list[BotMessage] = field(default_factory=list)

    def say(self, intent: str, text: str = "", **entities: str) -> list[BotMessage]:
        """The person says something the model read as `intent` with `entities`."""
        for name in _FROM_ENTITY_SLOTS:
            if name in entities:
                self.slots[name] = entities[name]
        action = ACTIONS[RULES[intent]]
        tracker = Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message={
                "intent": {"name": intent, "confidence": 1.0},
                "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                "text": text or intent,
                "metadata": {"language": self.language, "channel": self.channel},
            },
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.last = [BotMessage.from_payload(m["custom"]) for m in dispatcher.messages]
        for message in self.last:
            if message.set_language:
                self.language = message.set_language
        return self.last

    def choose(self, digit: str) -> list[BotMessage]:
        """Pick a numbered option of the last menu, as the gateway would send it."""
        menu = next(m for m in reversed(self.last) if m.is_menu)
        option = menu.zero if digit == "0" else menu.options[int(digit) - 1]
        assert option is not None
        return self.send_payload(option.payload)

    def send_payload(self, payload: str) -> list[BotMessage]:
        import json

        intent, _, entities = payload.lstrip("/").partition("{")
        parsed = json.loads("{" + entities) if entities else {}
        return self.say(intent, payload, **parsed)

    def onboard(self) -> None:
        """Greeting, English, safe to talk, consent: the usual first contact."""
        self.say("greet", "hi")
        self.choose("1")
        self.say("affirm", "yes")
        self.say("affirm", "yes")


def keys(messages: list[BotMessage]) -> list[str]:
    return [m.key for m in messages]
