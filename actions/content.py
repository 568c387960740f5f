"""Content the actions read: the information topics and the languages on offer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import get_settings
from bot.wording.catalogs import DOMAIN, served_locales

# Choices an information step may offer besides other topics.
ACTION_CHOICES = ("find_service", "request_human", "main_menu")


@dataclass(frozen=True)
class Topic:
    name: str
    text: str
    options: tuple[str, ...]
    label: str  # the menu choice that opens it: option.topic.<name> unless the file names one


@dataclass(frozen=True)
class InfoContent:
    intents: dict[str, str]  # intent -> the topic it starts at
    topics: dict[str, Topic]

    def intent_for(self, topic: str) -> str:
        """The information intent for this topic (for option payloads): the one whose flow
        starts nearest to it (its own, where an intent starts there)."""
        seen: set[str] = set()
        queue = [(root, intent) for intent, root in self.intents.items()]
        while queue:  # breadth first from every start at once: the nearest start wins
            name, intent = queue.pop(0)
            if name == topic:
                return intent
            if name in seen or name not in self.topics:
                continue
            seen.add(name)
            queue.extend((choice, intent) for choice in self.topics[name].options)
        return next(iter(self.intents))


def parse_info(data: dict) -> InfoContent:
    """Read and check the information flows; a broken file is an error, never half-loaded."""
    topics = {
        name: Topic(
            name,
            str(body["text"]),
            tuple(body.get("options", [])),
            str(body.get("label") or f"option.topic.{name}"),
        )
        for name, body in data["topics"].items()
    }
    problems = [
        f"topic {t.name!r}: unknown choice {choice!r}"
        for t in topics.values()
        for choice in t.options
        if choice not in topics and choice not in ACTION_CHOICES
    ]
    problems += [
        f"topic {t.name!r}: more than four choices" for t in topics.values() if len(t.options) > 4
    ]
    problems += [
        f"intent {intent!r}: unknown topic {root!r}"
        for intent, root in data["intents"].items()
        if root not in topics
    ]
    if problems:
        raise ValueError("; ".join(problems))
    return InfoContent(dict(data["intents"]), topics)


def load_info(path: Path | None = None) -> InfoContent:
    """The information flows as the file is now: an approved change (written by replacing
    the file) is read on the next turn, without restarting the action server."""
    path = path or get_settings().content_dir / "info.yml"
    status = path.stat()
    # A replaced file has a new inode and modification time: the key changes with it.
    return _read_info(path, status.st_ino, status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=8)
def _read_info(path: Path, _inode: int, _modified_ns: int, _size: int) -> InfoContent:
    """Read and parse once per version of the file (the stat fields are only the key)."""
    return parse_info(yaml.safe_load(path.read_text(encoding="utf-8")))


def available_languages(locales_dir: Path | None = None) -> list[str]:
    """Languages with a catalog; adding `locales/<code>/` offers a new one."""
    settings = get_settings()
    locales_dir = locales_dir or served_locales(settings)
    codes = sorted(po.parent.parent.name for po in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return sorted(codes, key=lambda code: (code != settings.default_language, code))
