"""What a locked phone shows of a message: its first 90 characters (SAFETY.md rule 12).

Someone else may see the notification. No trigger word (trafficking, bonded, rescue, FIA
and their Urdu and Roman-Urdu forms; `content/checks.yml`) may appear there: not in bot
texts, service lists and their continuations, directory names, canned or workers' replies.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import MAX_ORGANISATION_CHARACTERS, Settings
from bot.wording.languages import has_urdu_script, normalize

PREVIEW_CHARS = 90  # about two lines of a notification
CHECKS_FILE = "checks.yml"


def load_trigger_words(content_dir: Path) -> list[str]:
    rules = yaml.safe_load((content_dir / CHECKS_FILE).read_text(encoding="utf-8")) or {}
    return [normalize(str(w)).lower() for w in rules.get("forbidden_in_preview", [])]


def trigger_in_preview(text: str, triggers: list[str]) -> str | None:
    """The first trigger word a lock screen would show of this message, if any."""
    shown = normalize(text).lower()[:PREVIEW_CHARS]
    for word in triggers:
        found = (
            word in shown
            if has_urdu_script(word)
            else re.search(r"(?<![a-z])" + re.escape(word), shown) is not None
        )
        if found:
            return word
    return None


def organisation_problems(settings: Settings) -> list[str]:
    """The name opens the very first reply: it must leave that reply within two SMS segments
    (the content check budgets a name of this length) and name nothing a locked phone must
    not show (SAFETY.md rules 8 and 12): "Bonded Labour Liberation Front" would."""
    problems = []
    triggers = load_trigger_words(settings.content_dir)
    names = {
        "RAHNUMA_ORGANISATION_NAME": settings.organisation_name,
        "RAHNUMA_ORGANISATION_NAME_UR": settings.organisation_name_ur,
    }
    for variable, name in names.items():
        if len(name) > MAX_ORGANISATION_CHARACTERS:
            problems.append(
                f"{variable} is longer than {MAX_ORGANISATION_CHARACTERS} characters: "
                "the first reply would take more than two SMS segments"
            )
        if (word := trigger_in_preview(name, triggers)) is not None:
            problems.append(
                f"{variable} names {word!r}, which the first lines of every first reply "
                "would show on a locked phone: use a neutral short name"
            )
    return problems
