"""The real engine answers a message sent again under the same turn id from its record: the
conversation moves on once (engine/turns_once.py). The gateway sends a message again when
its request timed out while the engine went on answering."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.ops.stack import Stack
from tests.auxil.engine_rest import engine_turn, tracker_events

pytestmark = pytest.mark.e2e


def test_the_same_turn_sent_twice_moves_the_conversation_on_once(stack: Stack) -> None:
    sender = "p_" + uuid.uuid4().hex
    engine, token = stack.engine_urls()[0], stack.settings.rasa_token

    def send(text: str, turn: str) -> list[dict[str, Any]]:
        return engine_turn(engine, sender, text, turn)

    first = send("I need a lawyer", "turn-1")
    assert first and all("custom" in item for item in first)
    assert send("I need a lawyer", "turn-1") == first  # again: the recorded answer
    said = [e["text"] for e in tracker_events(engine, token, sender) if e["event"] == "user"]
    assert said == ["I need a lawyer"]
    send("I need a lawyer", "turn-2")  # a new message with the same words is a new turn
    assert [e["text"] for e in tracker_events(engine, token, sender) if e["event"] == "user"] == [
        "I need a lawyer",
        "I need a lawyer",
    ]
