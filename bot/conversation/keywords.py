"""Keywords that act before any model runs: EXIT, STOP/START, HELP, DELETE, LANGUAGE, digits.

They work even when the engine is down (DESIGN.md decision 5). The word lists are content
(`content/keywords.yml`), so editors can add spellings without code.

Words that erase or silence (EXIT, STOP, DELETE) act on an exact word only (DESIGN.md
decision 9): "milao" (connect me) is one typo from "mitao" (erase), and a near match
must never erase or silence anyone. Near-match tolerance is for harmless words only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import DamerauLevenshtein

from bot.conversation.said import Said

_PUNCTUATION = re.compile(r"[^\w\s]")
_FUZZY_MIN_LENGTH = 5  # shorter words: exact only ("lang" must not match "long")


class Keyword(StrEnum):
    EXIT = "exit"
    STOP = "stop"
    START = "start"
    HELP = "help"
    DELETE = "delete"
    LANGUAGE = "language"
    PRIVACY = "privacy"
    CHOOSE_LANGUAGE = "choose_language"
    MENU_CHOICE = "menu_choice"
    BOT = "bot"  # back to the bot from a support worker


# Words that erase or silence: exact only, and each must say why it is safe.
DESTRUCTIVE = frozenset({Keyword.EXIT, Keyword.STOP, Keyword.DELETE})
# Only these tolerate one typo: a near match can do no harm ("langauge" -> the language menu).
_TOLERANT = frozenset({Keyword.LANGUAGE, Keyword.PRIVACY})


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    value: str = ""  # the digit for MENU_CHOICE, the language code for CHOOSE_LANGUAGE
    sms_only: bool = False


@dataclass(frozen=True)
class KeywordWord:
    """One spelling of a keyword, with why it is safe (required for destructive ones)."""

    keyword: Keyword
    word: str
    why: str = ""
    carrier: bool = False  # an opt-out word SMS carriers require (rule 21)
    value: str = ""  # the language code, for CHOOSE_LANGUAGE
    sms_only: bool = False  # acts on SMS only ("cancel" on Telegram is just a word)


def fold(text: str | Said) -> str:
    """A message as keywords compare it: normalised, lower case, no punctuation."""
    said = text if isinstance(text, Said) else Said.of(text)
    return " ".join(_PUNCTUATION.sub(" ", said.text.lower()).split())


def read_keyword_words(path: Path) -> list[KeywordWord]:
    """Every keyword spelling in `content/keywords.yml`; ValueError for a malformed file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of keyword to words")
    found: list[KeywordWord] = []
    for name, entries in data.items():
        if name == "choose_language":
            for code, spellings in (entries or {}).items():
                found += [
                    KeywordWord(Keyword.CHOOSE_LANGUAGE, str(s), value=str(code)) for s in spellings
                ]
            continue
        try:
            keyword = Keyword(name)
        except ValueError:
            raise ValueError(f"{path}: unknown keyword {name!r}") from None
        for entry in entries or []:
            found.append(_entry(path, keyword, entry))
    return found


def _entry(path: Path, keyword: Keyword, entry: Any) -> KeywordWord:
    if isinstance(entry, str):
        word = KeywordWord(keyword, entry)
    elif isinstance(entry, dict) and isinstance(entry.get("word"), str):
        word = KeywordWord(
            keyword,
            entry["word"],
            str(entry.get("why") or ""),
            bool(entry.get("carrier")),
            sms_only=bool(entry.get("sms_only")),
        )
    else:
        raise ValueError(f"{path}: {keyword}: each entry is a word or {{word: ..., why: ...}}")
    if keyword in DESTRUCTIVE and not word.why.strip():
        raise ValueError(f"{path}: {keyword} word {word.word!r} needs a `why` (rule 10)")
    return word


class KeywordMatcher:
    def __init__(self, words: list[KeywordWord]) -> None:
        self._exact: dict[str, KeywordMatch] = {}
        for item in words:
            self._exact[fold(item.word)] = KeywordMatch(item.keyword, item.value, item.sms_only)
        self._tolerant = {
            spelling: found
            for spelling, found in self._exact.items()
            if found.keyword in _TOLERANT and len(spelling) >= _FUZZY_MIN_LENGTH
        }

    @classmethod
    def from_file(cls, path: Path) -> KeywordMatcher:
        return cls(read_keyword_words(path))

    def match(
        self, text: str | Said, menu_digits: set[str] | None = None, channel: str = "sms"
    ) -> KeywordMatch | None:
        """The keyword this whole message is, if any."""
        found = self._match(text, menu_digits)
        if found is not None and found.sms_only and channel != "sms":
            return None
        return found

    def _match(self, text: str | Said, menu_digits: set[str] | None) -> KeywordMatch | None:
        folded = fold(text)
        if not folded:
            return None
        if menu_digits and folded in menu_digits:
            return KeywordMatch(Keyword.MENU_CHOICE, folded)
        if folded in self._exact:
            return self._exact[folded]
        if len(folded) >= _FUZZY_MIN_LENGTH and " " not in folded:
            for spelling, found in self._tolerant.items():
                if DamerauLevenshtein.distance(folded, spelling, score_cutoff=1) <= 1:
                    return found
        return None
