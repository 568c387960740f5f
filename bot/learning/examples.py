"""Labelled messages into the training data of their language (`reviewed.yml`).

The file is written whole each time from the examples it holds plus the new ones, so that
an editor's labels never edit a hand-written file. The masks become stand-ins the model can
read: a place becomes an annotated district (the location entity learns from it too), a
name a common name, a number or an address nothing.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.conversation.keywords import fold
from bot.editing.training_data import REVIEWED_FILE, training_examples
from bot.learning.masking import ADDRESS, NAME, NUMBER, PLACE, printable

HEADER = (
    "# Messages people wrote that the bot did not understand, labelled by editors in the\n"
    "# console (/console/understanding). Written by bot/learning/examples.py: label or\n"
    "# dismiss there rather than editing here.\n"
)
_STAND_INS = {
    "en": {PLACE: '[Lahore]{"entity": "location"}', NAME: "Sana"},
    "ur": {PLACE: '[لاہور]{"entity": "location"}', NAME: "ثنا"},
    "ur_Latn": {PLACE: '[Lahore]{"entity": "location"}', NAME: "Sana"},
}
# Rasa reads [..](..), [..]{..} as entity annotations: a person's brackets are not ours.
_ANNOTATION_SIGNS = re.compile(r"[\[\]{}()]")


@dataclass(frozen=True)
class Example:
    language: str
    intent: str
    text: str  # masked, as kept


def training_text(example: Example) -> str:
    """The masked message as a line of training data."""
    text = _ANNOTATION_SIGNS.sub(" ", printable(example.text))
    stand_ins = _STAND_INS.get(example.language, _STAND_INS["en"])
    for marker in (NUMBER, ADDRESS):
        text = text.replace(marker, " ")
    for marker, stand_in in stand_ins.items():
        text = text.replace(marker, f" {stand_in} ")
    return " ".join(text.split())


def add_examples(nlu_dir: Path, examples: list[Example]) -> int:
    """Add to each language's reviewed.yml what the training data does not have yet;
    how many were added. A message already an example (of any intent) is not added twice."""
    known = {fold(text) for texts in training_examples(nlu_dir).values() for text in texts}
    added = 0
    by_language: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_language[example.language].append(example)
    for language, batch in sorted(by_language.items()):
        path = nlu_dir / language / REVIEWED_FILE
        intents = _read(path)
        for example in batch:
            line = training_text(example)
            plain = re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", line)
            if not fold(plain) or fold(plain) in known:
                continue
            intents.setdefault(example.intent, []).append(line)
            known.add(fold(plain))
            added += 1
        _write(path, intents)
    return added


def remove_examples(nlu_dir: Path, examples: list[Example]) -> int:
    """Take these labelled messages out of the training data again (their writer erased
    their data, or withdrew their consent); how many lines went."""
    removed = 0
    for example in examples:
        path = nlu_dir / example.language / REVIEWED_FILE
        intents = _read(path)
        line = training_text(example)
        if line in intents.get(example.intent, []):
            intents[example.intent] = [kept for kept in intents[example.intent] if kept != line]
            _write(path, intents)
            removed += 1
    return removed


def _read(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    intents: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        lines = str(block.get("examples") or "").splitlines()
        intents[str(block["intent"])] = [line.strip()[2:] for line in lines if line.strip()]
    return intents


def _write(path: Path, intents: dict[str, list[str]]) -> None:
    """Atomically: a training started meanwhile reads the old file or the new, never half."""
    blocks = "".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {line}\n" for line in lines)
        for intent, lines in sorted(intents.items())
        if lines
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".yml.tmp")
    body = f"nlu:\n{blocks}" if blocks else "nlu: []\n"
    temporary.write_text(f'{HEADER}version: "3.1"\n{body}', encoding="utf-8")
    os.replace(temporary, path)
