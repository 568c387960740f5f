"""The NLU training examples as plain messages: what `content check` and the red-team
tests compare keywords against."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from pathlib import Path

import yaml

from bot.config import ROOT
from bot.conversation.keywords import fold
from bot.editing.file_stamps import FileStamps, file_stamps

NLU_DIR = ROOT / "dialogues" / "data" / "nlu"
# Per language, the messages editors labelled in the console (bot/learning/examples.py).
REVIEWED_FILE = "reviewed.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def training_examples(nlu_dir: Path = NLU_DIR) -> dict[str, list[str]]:
    """Every intent's examples, annotations removed: {intent: [message, ...]}."""
    examples = _examples_in(file_stamps(sorted(nlu_dir.rglob("*.yml"))))
    return {intent: list(messages) for intent, messages in examples.items()}


@functools.lru_cache(maxsize=4)
def _examples_in(stamps: FileStamps) -> dict[str, list[str]]:
    """Kept until a file changes: each content check reads every NLU file otherwise."""
    examples: dict[str, list[str]] = defaultdict(list)
    for path, _, _ in stamps:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue  # synonyms, lookup tables
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples[block["intent"]].append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return dict(examples)


def training_phrases(nlu_dir: Path = NLU_DIR) -> dict[str, set[str]]:
    """Every word and two-word phrase of the examples, folded, with the intents using it."""
    phrases: dict[str, set[str]] = defaultdict(set)
    for intent, messages in training_examples(nlu_dir).items():
        for message in messages:
            words = fold(message).split()
            for size in (1, 2):
                for start in range(len(words) - size + 1):
                    phrases[" ".join(words[start : start + size])].add(intent)
    return dict(phrases)
