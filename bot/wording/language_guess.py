"""Which of the three languages a message is written in, from its letters and words.

Urdu script is Urdu. English and Roman Urdu share the Latin alphabet, so their words decide:
a naive Bayes model over character n-grams (and whole words), learnt from the training
examples of each language (dialogues/data/nlu/<language>/), tells "please help they locked
me in" from "mujhe madad chahiye". A message with too little evidence either way ("ok",
"lahore", "salam" written in an English set) gets no guess: the caller keeps what it has.
Plain Python, learnt in a fraction of a second on first use, nothing downloaded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.wording.languages import has_urdu_script, normalize

LATIN_LANGUAGES = ("en", "ur_Latn")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{([^}]*)\}")
_WORD = re.compile(r"[a-z']+")
# Below this difference in log-likelihood (natural log) the evidence is too thin: chosen on
# the held-out sets (docs/nlu.md), where it keeps 97-99 % of messages decided.
MIN_MARGIN = 4.0
# One word is a thin witness: "hi" is English, and "hi" (ہی) is Roman Urdu too.
ONE_WORD_MARGIN = 6.0
# A later message in another language than the conversation's: only this sure, and only with
# a few words, is it worth offering the switch.
CLEAR_MARGIN = 8.0
CLEAR_WORDS = 3
NLU_DIR = Path(__file__).resolve().parents[2] / "dialogues" / "data" / "nlu"


def _features(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    grams = [f"w:{word}" for word in words]
    for word in words:
        padded = f" {word} "
        for n in (2, 3, 4):
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return grams


@dataclass(frozen=True)
class LanguageGuesser:
    counts: dict[str, Counter[str]]
    totals: dict[str, int]
    vocabulary: int

    @classmethod
    def learn(cls, samples: dict[str, Iterable[str]]) -> LanguageGuesser:
        counts = {language: Counter[str]() for language in samples}
        for language, texts in samples.items():
            for text in texts:
                counts[language].update(_features(normalize(text)))
        vocabulary = len(set().union(*counts.values())) if counts else 0
        return cls(counts, {k: sum(c.values()) for k, c in counts.items()}, vocabulary)

    @classmethod
    def from_training_data(cls, nlu_dir: Path) -> LanguageGuesser:
        return cls.learn(
            {language: examples_in(nlu_dir / language) for language in LATIN_LANGUAGES}
        )

    def scores(self, text: str) -> dict[str, float]:
        """Log-likelihood of the message's features under each language (add-one smoothed)."""
        features = _features(text)
        return {
            language: sum(
                math.log((self.counts[language][f] + 1) / (self.totals[language] + self.vocabulary))
                for f in features
            )
            for language in self.counts
        }

    def guess(self, text: str) -> str | None:
        """ "ur", "en" or "ur_Latn"; None when the message doesn't say enough."""
        text = normalize(text)
        if has_urdu_script(text):
            return "ur"
        if not _WORD.search(text.lower()):
            return None
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        (best, top), (_, second) = ranked[0], ranked[1]
        words = len(_WORD.findall(text.lower()))
        return best if top - second >= (MIN_MARGIN if words > 1 else ONE_WORD_MARGIN) else None

    def clearly(self, text: str) -> str | None:
        """The language of a message written clearly in one: several words, a wide margin."""
        text = normalize(text)
        if has_urdu_script(text):
            return "ur" if len(text.split()) >= CLEAR_WORDS else None
        if len(_WORD.findall(text.lower())) < CLEAR_WORDS:
            return None
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        return ranked[0][0] if ranked[0][1] - ranked[1][1] >= CLEAR_MARGIN else None


def _without_places(mark: re.Match[str]) -> str:
    """A marked place name says nothing of the language around it ("lahore" in English
    examples and Roman Urdu ones alike): it is left out of what the guess learns from."""
    return "" if '"location"' in mark.group(2) else mark.group(1)


def examples_in(folder: Path) -> list[str]:
    """Every example of an NLU folder as plain text (entity marks removed)."""
    found = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" in item:
                found += [
                    _ANNOTATION.sub(_without_places, line.strip()[2:])
                    for line in str(item.get("examples", "")).splitlines()
                    if line.strip().startswith("- ")
                ]
    return found


@cache
def trained_guesser(nlu_dir: Path = NLU_DIR) -> LanguageGuesser:
    """Learnt once per process from the training data (the app calls it at start-up)."""
    return LanguageGuesser.from_training_data(nlu_dir)


def guess_language(text: str, default: str = "en") -> str:
    """The language of a first message, before the person has chosen one."""
    return trained_guesser().guess(text) or default
