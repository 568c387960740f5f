"""Keywords that act before any model runs: EXIT, STOP/START, HELP, DELETE, LANGUAGE, digits.

They work even when the engine is down (DESIGN.md decision 5). The word lists are content
(`content/keywords.yml`), so editors can add spellings without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from rapidfuzz.distance import DamerauLevenshtein

from bot.languages import normalize

_PUNCTUATION = re.compile(r"[^\w\s]")
_FUZZY_MIN_LENGTH = 4  # shorter words: exact only ("end" must not match "and")


class Keyword(StrEnum):
    EXIT = "exit"
    STOP = "stop"
    START = "start"
    HELP = "help"
    DELETE = "delete"
    LANGUAGE = "language"
    CHOOSE_LANGUAGE = "choose_language"
    MENU_CHOICE = "menu_choice"
    BOT = "bot"  # back to the bot from a support worker


# Opt-out and opt-in follow carrier rules to the letter: exact words only ("cancer" is not CANCEL).
_EXACT_ONLY = frozenset({"stop", "start", "help", "choose_language", "bot"})  # "helo" is hello


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    value: str = ""  # the digit for MENU_CHOICE, the language code for CHOOSE_LANGUAGE


def _fold(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", normalize(text).lower()).split())


class KeywordMatcher:
    def __init__(self, words: dict[Keyword, list[str]], languages: dict[str, list[str]]) -> None:
        self._exact: dict[str, KeywordMatch] = {}
        for keyword, spellings in words.items():
            for spelling in spellings:
                self._exact[_fold(spelling)] = KeywordMatch(keyword)
        for code, spellings in languages.items():
            for spelling in spellings:
                self._exact[_fold(spelling)] = KeywordMatch(Keyword.CHOOSE_LANGUAGE, code)

    @classmethod
    def from_file(cls, path: Path) -> KeywordMatcher:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        languages = data.pop("choose_language", {}) or {}
        words = {Keyword(name): list(spellings) for name, spellings in data.items()}
        return cls(words, {code: list(v) for code, v in languages.items()})

    def match(self, text: str, menu_digits: set[str] | None = None) -> KeywordMatch | None:
        """The keyword this whole message is, if any."""
        folded = _fold(text)
        if not folded:
            return None
        if menu_digits and folded in menu_digits:
            return KeywordMatch(Keyword.MENU_CHOICE, folded)
        if folded in self._exact:
            return self._exact[folded]
        if len(folded) >= _FUZZY_MIN_LENGTH and " " not in folded:
            for spelling, found in self._exact.items():
                if found.keyword in _EXACT_ONLY or len(spelling) < _FUZZY_MIN_LENGTH:
                    continue
                if DamerauLevenshtein.distance(folded, spelling, score_cutoff=1) <= 1:
                    return found
        return None
