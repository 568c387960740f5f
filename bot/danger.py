"""Signs of immediate danger, found before the model runs (SAFETY.md rule 17).

The model recognises most emergencies; this lexicon is the safety net for the ones it
reads as something else or with low confidence. The phrases are content
(`content/danger.yml`), so support staff can add the words survivors really use. A kind
other than plain danger ("self_harm") adds what that kind needs to the emergency answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.languages import has_urdu_script, normalize

_NON_WORD = re.compile(r"[^\w\s']")
DANGER = "danger"  # the plain kind: emergency numbers and the offer of a person


def fold(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", normalize(text).lower().replace("’", "'")).split())


class _Phrases:
    """Roman phrases match whole words (with plural endings); Urdu phrases as substrings."""

    def __init__(self, phrases: list[str]) -> None:
        folded = [p for p in map(fold, phrases) if p]
        self._all = folded
        latin = [p for p in folded if not has_urdu_script(p)]
        self._urdu = [p for p in folded if has_urdu_script(p)]
        # Whole words in Roman script ("goli" is a bullet, Golimar a Karachi neighbourhood),
        # with an optional plural "s".
        self._latin = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")(?:s|es|ein|en|on)?\b")
            if latin
            else None
        )

    def all(self) -> list[str]:
        return list(self._all)

    def found_in(self, folded: str) -> bool:
        if self._latin is not None and self._latin.search(folded):
            return True
        return any(phrase in folded for phrase in self._urdu)


class DangerLexicon:
    def __init__(self, kinds: dict[str, list[str]]) -> None:
        # Specific kinds first: a message that is both gets the specific answer.
        ordered = sorted(kinds.items(), key=lambda item: item[0] == DANGER)
        self._kinds = [(name, _Phrases(phrases)) for name, phrases in ordered]

    @classmethod
    def from_file(cls, path: Path) -> DangerLexicon:
        """`kind: {language: [phrases]}`; a flat `language: [phrases]` file is all danger."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        kinds: dict[str, list[str]] = {}
        for name, value in data.items():
            if isinstance(value, dict):
                kinds[str(name)] = [str(p) for phrases in value.values() for p in phrases or []]
            else:
                kinds.setdefault(DANGER, []).extend(str(p) for p in value or [])
        return cls(kinds)

    def kind(self, text: str) -> str | None:
        """None when no phrase is found; else the kind ("" for plain danger)."""
        folded = fold(text)
        for name, phrases in self._kinds:
            if phrases.found_in(folded):
                return "" if name == DANGER else name
        return None

    def is_danger(self, text: str) -> bool:
        return self.kind(text) is not None

    def phrases(self) -> list[str]:
        """Every phrase, folded: content check keeps keywords away from them."""
        return [p for _, phrases in self._kinds for p in phrases.all()]
