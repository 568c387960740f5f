"""One turn of the conversation as the actions see it: what was said, what to say back."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet

from bot.directory.listings import SERVICE_TYPES
from bot.wording.messages import BotMessage, Listing, Option


@dataclass
class Turn:
    """Collects messages and slot changes; actions never build finished text."""

    tracker: Tracker
    messages: list[BotMessage] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    paused: bool = False  # a support worker takes over (a marker; the gateway routes)
    # The model could not place the message: its best guesses go out with the first reply.
    unrecognised: tuple[tuple[str, float], ...] | None = None

    # -- what the person said -------------------------------------------------------------

    @property
    def intent(self) -> str:
        return str((self.tracker.latest_message.get("intent") or {}).get("name") or "")

    @property
    def confidence(self) -> float:
        """How sure the model was of `intent` (1.0 for a menu choice's payload)."""
        return float((self.tracker.latest_message.get("intent") or {}).get("confidence") or 1.0)

    @property
    def text(self) -> str:
        return str(self.tracker.latest_message.get("text") or "")

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.tracker.latest_message.get("metadata") or {})

    @property
    def language(self) -> str:
        return str(self.metadata.get("language") or "en")

    def entity(self, name: str) -> str | None:
        values = [str(value) for value in self.tracker.get_latest_entity_values(name)]
        if name == "service_type":
            # A word the model tagged but no synonym maps to a kind of help ("tell me a
            # doctor": "tell") is no request for it: the kinds the directory knows count.
            values = [value for value in values if value in SERVICE_TYPES]
        return values[0] if values else None

    def slot(self, name: str) -> Any:
        """A slot as it will be after this turn's changes."""
        return self.slots[name] if name in self.slots else self.tracker.get_slot(name)

    # -- what to say back -----------------------------------------------------------------

    def say(
        self,
        key: str,
        *,
        options: list[Option] | None = None,
        zero: Option | None = None,
        listings: list[Listing] | None = None,
        set_language: str | None = None,
        erase: bool = False,
        consent: bool | None = None,
        **params: Any,
    ) -> None:
        self.messages.append(
            BotMessage(
                key,
                params=params,
                options=tuple(options or ()),
                zero=zero,
                listings=tuple(listings or ()),
                set_language=set_language,
                erase=erase,
                consent=consent,
            )
        )

    def not_understood(self, ranking: list[dict[str, Any]], keep: int = 3) -> None:
        """Mark the turn as one the model could not place, with its `keep` best guesses."""
        self.unrecognised = tuple(
            (str(item.get("name")), round(float(item.get("confidence") or 0.0), 3))
            for item in ranking[:keep]
            if item.get("name")
        )

    def outgoing(self) -> list[BotMessage]:
        """The messages to send, the first carrying the turn's directives."""
        if not self.messages or self.unrecognised is None:
            return list(self.messages)
        first = dataclasses.replace(self.messages[0], unrecognised=self.unrecognised)
        return [first, *self.messages[1:]]

    def set(self, **slots: Any) -> None:
        self.slots.update(slots)

    def pause(self) -> None:
        self.paused = True

    def events(self) -> list[dict[str, Any]]:
        # An enum member goes out as its plain string: the one the domain and the model know.
        events = [
            SlotSet(name, value.value if isinstance(value, Enum) else value)
            for name, value in self.slots.items()
        ]
        return [*events, ConversationPaused()] if self.paused else events
