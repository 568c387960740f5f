"""What a locked phone shows of a message: its first 90 characters (SAFETY.md rule 12).

Someone else may see the notification. No trigger word (trafficking, bonded, rescue, FIA
and their Urdu and Roman-Urdu forms; `content/checks.yml`) may appear there: not in bot
texts, service lists and their continuations, directory names, canned or workers' replies.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

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
