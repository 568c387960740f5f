"""What the person wrote, normalised once at the door of the pipeline.

Keywords, the danger lexicon, the menu, the engine and the support worker all read the same
normalised text; each compares it in its own way (`keywords.fold`, `danger.fold`), but none
normalises it again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.wording.languages import normalize


@dataclass(frozen=True)
class Said:
    text: str  # normalised: letter variants folded, invisible marks gone, single spaces

    @classmethod
    def of(cls, raw: str) -> Said:
        return cls(normalize(raw))


def as_typed_text(text: str) -> str:
    """Typed text as the engine may see it: never in Rasa's "/intent" syntax.

    Only the gateway sends "/intent" payloads. Rasa strips whitespace before it looks for
    the "/", so every slash, space and invisible mark at the start goes, however mixed
    ("/ /request_human" is typed text too, and reaches the engine as "request_human").
    """
    start = 0
    while start < len(text) and _before_the_words(text[start]):
        start += 1
    return text[start:] or "?"


def _before_the_words(char: str) -> bool:
    return char == "/" or char.isspace() or unicodedata.category(char) == "Cf"
