"""When the model is unsure between two meanings, which two to offer (issue 16; the idea of
Rasa's two-stage fallback, rendered as a numbered choice like every other question).

Plain Python on purpose: `make bench-nlu` runs it in the engine's environment to measure how
often the bot would ask.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

FALLBACK = "nlu_fallback"
# Requests with a menu label besides the information flows. delete_data is never offered
# on a guess: erasing is asked for in words, then confirmed.
BESIDES_INFORMATION = frozenset({"find_service", "request_human", "privacy_info"})
# Unsure, but the two together are most of the model's belief: worth asking which.
MIN_TOGETHER = 0.5
ERASE = "delete_data"
# Erasing is asked about only on a sure reading: on the held-out sets every right delete_data
# prediction was above 0.97 and every wrong one below 0.33 (docs/nlu.md).
ERASE_CONFIDENCE = 0.8


def doubtful_erase(intent: str, confidence: float) -> bool:
    """A delete_data reading too unsure to ask "delete everything?" on: handled as unsure."""
    return intent == ERASE and confidence < ERASE_CONFIDENCE


def without_erase(ranking: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [item for item in ranking if item.get("name") != ERASE]


def two_meanings(
    ranking: Sequence[Mapping[str, Any]], offerable: Collection[str]
) -> tuple[str, str] | None:
    """The model's two best intents, when both can be offered as a choice and together
    they hold at least MIN_TOGETHER of its confidence; else None (the usual menu)."""
    top = _best_two(ranking)
    if len(top) < 2 or any(item.get("name") not in offerable for item in top):
        return None
    if float(top[0].get("confidence", 0)) + float(top[1].get("confidence", 0)) < MIN_TOGETHER:
        return None
    return str(top[0]["name"]), str(top[1]["name"])


def names_emergency(ranking: Sequence[Mapping[str, Any]]) -> bool:
    """Unsure, and danger is one of the two best readings: the emergency answer is the
    safer guess (SAFETY.md rule 17), as the numbers cost nothing to someone safe."""
    return any(item.get("name") == "emergency" for item in _best_two(ranking))


def _best_two(ranking: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [item for item in ranking if item.get("name") != FALLBACK][:2]


@cache
def offerable(content_dir: Path) -> frozenset[str]:
    """The intents a "which did you mean?" may offer: every information flow's, and the
    requests above (read once, like the information flows themselves)."""
    info = yaml.safe_load((content_dir / "info.yml").read_text(encoding="utf-8"))
    return frozenset({*BESIDES_INFORMATION, *info["intents"]})
