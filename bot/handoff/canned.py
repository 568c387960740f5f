"""Canned replies: keys into the catalogs, listed in `content/canned_replies.yml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CANNED_FILE = "canned_replies.yml"


@dataclass(frozen=True)
class CannedReply:
    key: str  # a catalog key under canned.*
    label: str  # what staff see on the button


def load_canned_replies(content_dir: Path) -> list[CannedReply]:
    path = content_dir / CANNED_FILE
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{key, label}}")
    replies = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not str(item.get("key", "")).startswith("canned."):
            raise ValueError(f"{path}: entry {number} needs a key starting with 'canned.'")
        replies.append(CannedReply(str(item["key"]), str(item.get("label") or item["key"])))
    return replies
