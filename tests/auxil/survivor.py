"""A simulated survivor talking to the gateway's simulator endpoint over HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.wording.segments import MAX_SEGMENTS

_numbers = itertools.count(1000)


@dataclass
class Survivor:
    gateway: httpx.Client
    channel: str = "sms"
    address: str = field(default_factory=lambda: f"+92300{next(_numbers):07d}")
    transcript: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def says(self, text: str) -> list[dict[str, Any]]:
        response = self.gateway.post(
            "/simulator/messages",
            json={"channel": self.channel, "from": self.address, "text": text},
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()["replies"]
        self.transcript.append((text, replies))
        if self.channel == "sms":
            assert all(r["segments"] <= MAX_SEGMENTS for r in replies), replies
        return replies

    def onboard(self, language: str) -> None:
        """Hello, switch to a language by its word, safe to talk, agree to the privacy notice."""
        self.says("salam")
        self.says(LANGUAGE_WORDS[language])  # one of the words the introduction names
        self.says("1")
        self.says("1")


# A word of content/keywords.yml's choose_language for each language.
LANGUAGE_WORDS = {"en": "english", "ur": "urdu", "ur_Latn": "roman"}


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


def has_service_list(replies: list[dict[str, Any]]) -> bool:
    """A service list always ends with the national emergency numbers as listings."""
    joined = text_of(replies)
    return ": 15" in joined and ": 1122" in joined
