"""The wording as it would be if every open draft were approved: what an editor's preview
renders with. Built from the working copy and the drafts, in memory; rebuilt only when
either changed (a conversation's preview asks for it on every message)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

from bot.editing.catalogs import set_texts
from bot.store import TextDraft
from bot.wording.catalogs import DOMAIN, Catalogs

_built: dict[str, Catalogs] = {}
_lock = threading.Lock()
_KEEP = 8  # recent versions kept: several editors preview at once


def draft_catalogs(locales_dir: Path, drafts: list[TextDraft]) -> Catalogs:
    """The working catalogs with these drafts written in (later drafts win)."""
    texts = {(d.language, d.key): d.text for d in sorted(drafts, key=lambda d: d.id)}
    fingerprint = _fingerprint(locales_dir, texts)
    with _lock:
        if fingerprint in _built:
            return _built[fingerprint]
    with tempfile.TemporaryDirectory() as folder:
        locales = Path(folder) / "locales"
        shutil.copytree(locales_dir, locales, ignore=shutil.ignore_patterns("*.mo"))
        set_texts(locales, {k: v for k, v in texts.items() if _has(locales, *k)})
        catalogs = Catalogs(locales)  # read into memory here; the folder may go
    with _lock:
        while len(_built) >= _KEEP:
            del _built[next(iter(_built))]
        _built[fingerprint] = catalogs
    return catalogs


def _has(locales: Path, language: str, key: str) -> bool:
    """A draft of a text a newer release removed is left out, not an error in a preview."""
    po = locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return po.exists() and f'msgid "{key}"' in po.read_text(encoding="utf-8")


def _fingerprint(locales_dir: Path, texts: dict[tuple[str, str], str]) -> str:
    digest = hashlib.sha256()
    for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        stat = po.stat()
        digest.update(f"{po}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    for (language, key), text in sorted(texts.items()):
        digest.update(f"{language}\0{key}\0{text}\0".encode())
    return digest.hexdigest()
