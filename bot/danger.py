"""Signs of immediate danger, found before the model runs (SAFETY.md rule 17).

The model recognises most emergencies; this lexicon is the safety net for the ones it
reads as something else or with low confidence. The phrases are content
(`content/danger.yml`), so support staff can add the words survivors really use.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.languages import has_urdu_script, normalize

_NON_WORD = re.compile(r"[^\w\s']")


def _fold(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", normalize(text).lower().replace("’", "'")).split())


class DangerLexicon:
    def __init__(self, phrases: list[str]) -> None:
        latin = [p for p in map(_fold, phrases) if p and not has_urdu_script(p)]
        urdu = [p for p in map(_fold, phrases) if p and has_urdu_script(p)]
        # Whole words in Roman script ("goli" is a bullet, Golimar a Karachi neighbourhood),
        # with an optional plural "s".
        self._latin = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")(?:s|es|ein|en|on)?\b")
            if latin
            else None
        )
        self._urdu = urdu

    @classmethod
    def from_file(cls, path: Path) -> DangerLexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls([str(p) for phrases in data.values() for p in phrases or []])

    def is_danger(self, text: str) -> bool:
        folded = _fold(text)
        if self._latin is not None and self._latin.search(folded):
            return True
        return any(phrase in folded for phrase in self._urdu)
