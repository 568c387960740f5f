"""What the dialogue engine says: message keys with parameters, never finished text.

Actions and Rasa responses emit these as custom payloads; the gateway renders them in the
survivor's language (DESIGN.md decision 2). Both sides import this one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_OPTIONS = 4  # SAFETY.md rule 7: at most four choices plus "0"


@dataclass(frozen=True)
class Option:
    """One numbered choice: a label key and what choosing it sends to the engine."""

    key: str
    payload: str
    params: dict[str, Any] = field(default_factory=dict)
    in_language: str | None = None  # a language's own name is shown in that language

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "payload": self.payload}
        if self.params:
            out["params"] = self.params
        if self.in_language:
            out["in_language"] = self.in_language
        return out

    @classmethod
    def from_payload(cls, data: Any) -> Option:
        if not isinstance(data, dict) or not isinstance(data.get("key"), str):
            raise ValueError("an option needs a string 'key'")
        if not isinstance(data.get("payload"), str):
            raise ValueError("an option needs a string 'payload'")
        in_language = data.get("in_language")
        return cls(
            data["key"],
            data["payload"],
            dict(data.get("params") or {}),
            str(in_language) if in_language else None,
        )


# Choices the gateway answers itself, in any state and with the engine down: confirming an
# erasure (rule 11). Their payloads start with "!", which typed text never reaches.
ERASE = Option("option.erase_everything", "!erase")
KEEP = Option("option.keep_it", "!keep")
# After an urgent handoff opened at once, the wish for a woman worker is asked; the ticket
# already has the conversation, so the gateway records the answer (rule 18).
WOMAN = Option("option.woman_worker", "!woman")
ANYONE = Option("option.no_preference", "!anyone")


@dataclass(frozen=True)
class Listing:
    """A service to show: names per language, a phone number, opening hours."""

    names: dict[str, str]
    phone: str
    hours: str = ""

    def name_in(self, language: str) -> str:
        """The name in this language, else one in the same script (Roman Urdu reads English)."""
        if language in self.names:
            return self.names[language]
        base, _, script = language.partition("_")
        if script == "Latn":
            return self.names.get("en") or next(iter(self.names.values()))
        return self.names.get(base) or self.names.get("en") or next(iter(self.names.values()))


@dataclass(frozen=True)
class BotMessage:
    """One message the engine wants sent; `zero` is the "0" choice of a menu."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    zero: Option | None = None
    listings: tuple[Listing, ...] = ()
    set_language: str | None = None  # directive: the person chose a language
    erase: bool = False  # directive: the person confirmed erasure of their data
    consent: bool | None = None  # directive: the person answered the privacy notice
    # Directive: the model could not place the person's message; its best guesses, so that
    # the gateway can keep it (masked, with consent) for editors to teach the bot.
    unrecognised: tuple[tuple[str, float], ...] | None = None

    def __post_init__(self) -> None:
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"{self.key}: at most {MAX_OPTIONS} options, got {len(self.options)}")

    @property
    def is_menu(self) -> bool:
        return bool(self.options) or self.zero is not None

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.params:
            out["params"] = self.params
        if self.options:
            out["options"] = [o.to_payload() for o in self.options]
        if self.zero:
            out["zero"] = self.zero.to_payload()
        if self.listings:
            out["listings"] = [
                {"names": item.names, "phone": item.phone, "hours": item.hours}
                for item in self.listings
            ]
        if self.set_language:
            out["set_language"] = self.set_language
        if self.erase:
            out["erase"] = True
        if self.consent is not None:
            out["consent"] = self.consent
        if self.unrecognised is not None:
            out["unrecognised"] = [[intent, score] for intent, score in self.unrecognised]
        return out

    @classmethod
    def from_payload(cls, data: Any) -> BotMessage:
        """Parse a custom payload; raises ValueError for anything malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not data["key"]:
            raise ValueError("a message needs a non-empty string 'key'")
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ValueError("'params' must be an object")
        listings = []
        for item in data.get("listings") or []:
            if not isinstance(item, dict) or not isinstance(item.get("names"), dict):
                raise ValueError("a listing needs 'names'")
            listings.append(
                Listing(
                    {str(k): str(v) for k, v in item["names"].items()},
                    str(item.get("phone", "")),
                    str(item.get("hours") or ""),
                )
            )
        zero = data.get("zero")
        set_language = data.get("set_language")
        return cls(
            key=data["key"],
            params=params,
            options=tuple(Option.from_payload(o) for o in data.get("options") or []),
            zero=Option.from_payload(zero) if zero else None,
            listings=tuple(listings),
            set_language=str(set_language) if set_language else None,
            erase=bool(data.get("erase")),
            consent=data["consent"] if isinstance(data.get("consent"), bool) else None,
            unrecognised=_ranking(data.get("unrecognised")),
        )


def _ranking(value: Any) -> tuple[tuple[str, float], ...] | None:
    """The model's guesses as [[intent, confidence], ...]; anything else is not a ranking."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("'unrecognised' must be a list of [intent, confidence]")
    ranking = []
    for item in value:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], int | float)
            or isinstance(item[1], bool)
        ):
            raise ValueError("'unrecognised' must be a list of [intent, confidence]")
        ranking.append((item[0], float(item[1])))
    return tuple(ranking)
