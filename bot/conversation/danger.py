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

from bot.conversation.said import Said
from bot.wording.languages import has_urdu_script

_NON_WORD = re.compile(r"[^\w\s']")
DANGER = "danger"  # the plain kind: emergency numbers and the offer of a person
SELF_HARM = "self_harm"  # adds a mental-health line to the emergency answer


def fold(text: str | Said) -> str:
    said = text if isinstance(text, Said) else Said.of(text)
    # Arabic keyboards type ه for both ہ and ھ ("كها" is کھا): compare them as one letter.
    text = said.text.lower().replace("’", "'").replace("ھ", "ہ")
    return " ".join(_NON_WORD.sub(" ", text).split())


GAP = " ... "  # in a phrase: the words around it, in this order, a few words apart
_GAP_CHARS = 40  # "wo mujhe ... maar dega" finds "wo mujhe phir se bohat maar dega"
_ENDINGS = r"(?:s|es|ein|en|on)?"  # plurals and verb forms ("gun", "guns")


ALONE = "= "  # a phrase that is danger only as the whole message: "= sold", "= گردہ"


def fold_phrase(phrase: str) -> str:
    """A lexicon phrase folded like a message, its gaps and "alone" mark kept."""
    alone = phrase.strip().startswith("=")
    folded = GAP.join(fold(part) for part in phrase.strip().lstrip("=").split("...") if fold(part))
    return ALONE + folded if alone and folded else folded


def _pattern(phrase: str) -> str:
    """Roman phrases match whole words (with the endings above); Urdu phrases anywhere,
    even inside a word, since Urdu words join ("بچاؤ" in "مجھےبچاؤ")."""
    if phrase.startswith(ALONE):
        return "^" + re.escape(phrase.removeprefix(ALONE)) + _ENDINGS + "$"
    parts = [re.escape(part) for part in phrase.split(GAP)]
    gap = f".{{1,{_GAP_CHARS}}}?"
    if has_urdu_script(phrase):
        return gap.join(parts)
    return r"\b" + (_ENDINGS + r"\b" + gap + r"\b").join(parts) + _ENDINGS + r"\b"


class _Phrases:
    def __init__(self, phrases: list[str]) -> None:
        self._all = [p for p in map(fold_phrase, phrases) if p]
        self._regex = re.compile("|".join(map(_pattern, self._all))) if self._all else None

    def all(self) -> list[str]:
        return list(self._all)

    def found_in(self, folded: str) -> bool:
        return self._regex is not None and self._regex.search(folded) is not None


ABOUT = "about"  # not a kind: words that say what a danger is about (an information topic)


class DangerLexicon:
    def __init__(
        self, kinds: dict[str, list[str]], about: dict[str, list[str]] | None = None
    ) -> None:
        # Specific kinds first: a message that is both gets the specific answer.
        ordered = sorted(kinds.items(), key=lambda item: item[0] == DANGER)
        self._kinds = [(name, _Phrases(phrases)) for name, phrases in ordered]
        self._about = [(topic, _Phrases(words)) for topic, words in (about or {}).items()]

    @classmethod
    def from_file(cls, path: Path) -> DangerLexicon:
        """`kind: {language: [phrases]}`; a flat `language: [phrases]` file is all danger."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        kinds: dict[str, list[str]] = {}
        about = {
            str(topic): [str(w) for words in (languages or {}).values() for w in words or []]
            for topic, languages in (data.pop(ABOUT, None) or {}).items()
        }
        for name, value in data.items():
            if isinstance(value, dict):
                kinds[str(name)] = [str(p) for phrases in value.values() for p in phrases or []]
            else:
                kinds.setdefault(DANGER, []).extend(str(p) for p in value or [])
        return cls(kinds, about)

    def kind(self, text: str | Said) -> str | None:
        """None when no phrase is found; else the kind ("" for plain danger)."""
        folded = fold(text)
        for name, phrases in self._kinds:
            if phrases.found_in(folded):
                return "" if name == DANGER else name
        return None

    def about(self, text: str | Said) -> str | None:
        """The information topic a message in danger names ("they are marrying me off":
        forced_marriage), so the emergency answer can offer it too; None when none does."""
        folded = fold(text)
        return next((topic for topic, words in self._about if words.found_in(folded)), None)

    def topics(self) -> list[str]:
        return [topic for topic, _ in self._about]

    def is_danger(self, text: str | Said) -> bool:
        return self.kind(text) is not None

    def phrases(self) -> list[str]:
        """Every phrase, folded: content check keeps keywords away from them."""
        return [p for _, phrases in self._kinds for p in phrases.all()]
