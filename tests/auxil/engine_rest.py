"""Talking to the running engine directly, past the gateway: Rasa's REST channel and its
tracker endpoint, as the end-to-end tests of the engine's own repairs need."""

from __future__ import annotations

from typing import Any

import httpx


def engine_turn(engine: str, sender: str, text: str, turn: str) -> list[dict[str, Any]]:
    """One message with its turn id (engine/turns_once.py), as the gateway sends it."""
    body = {"sender": sender, "message": text,
            "metadata": {"language": "en", "channel": "sms", "turn": turn}}  # fmt: skip
    response = httpx.post(f"{engine}/webhooks/rest/webhook", json=body, timeout=60)
    response.raise_for_status()
    answer: list[dict[str, Any]] = response.json()
    return answer


def tracker_events(engine: str, token: str, sender: str) -> list[dict[str, Any]]:
    """Every event of the conversation, every session's."""
    response = httpx.get(f"{engine}/conversations/{sender}/tracker",
                         params={"token": token, "include_events": "ALL"}, timeout=60)  # fmt: skip
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events
