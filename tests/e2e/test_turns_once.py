"""The real engine answers a message sent again under the same turn id from its record: the
conversation moves on once (engine/turns_once.py). The gateway sends a message again when
its request timed out while the engine went on answering."""

from __future__ import annotations

import uuid

import httpx
import pytest

from bot.ops.stack import Stack

pytestmark = pytest.mark.e2e


def test_the_same_turn_sent_twice_moves_the_conversation_on_once(stack: Stack) -> None:
    sender = "p_" + uuid.uuid4().hex
    engine = stack.engine_urls()[0]

    def send(text: str, turn: str) -> list[dict[str, object]]:
        body = {"sender": sender, "message": text,
                "metadata": {"language": "en", "channel": "sms", "turn": turn}}  # fmt: skip
        response = httpx.post(f"{engine}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        answer: list[dict[str, object]] = response.json()
        return answer

    first = send("I need a lawyer", "turn-1")
    assert first and all("custom" in item for item in first)
    assert send("I need a lawyer", "turn-1") == first  # again: the recorded answer
    tracker = httpx.get(
        f"{engine}/conversations/{sender}/tracker",
        params={"token": stack.settings.rasa_token},
        timeout=30,
    ).json()
    said = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert said == ["I need a lawyer"]
    send("I need a lawyer", "turn-2")  # a new message with the same words is a new turn
    tracker = httpx.get(
        f"{engine}/conversations/{sender}/tracker",
        params={"token": stack.settings.rasa_token},
        timeout=30,
    ).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == [
        "I need a lawyer",
        "I need a lawyer",
    ]
