"""Message catalogs: message keys rendered in the survivor's language from `locales/`.

Catalogs are gettext PO files (domain `messages`) read with Babel. They are re-read when
a file changes, so a wording change goes live without a restart.
"""

from __future__ import annotations

import logging
import string
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.config import Settings, get_settings, text_constants

log = logging.getLogger(__name__)

DOMAIN = "messages"
LANGUAGE_NAME_KEY = "language.name"  # each catalog names its own language, in that language


class MissingMessageError(KeyError):
    """A message key that a catalog does not have (or has untranslated)."""


class CatalogError(ValueError):
    """A catalog that can't be read."""


@dataclass(frozen=True)
class _Loaded:
    messages: dict[str, str]
    mtime_ns: int


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a message text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def read_catalog(path: Path) -> dict[str, str]:
    """Read one PO file into {key: text}, skipping untranslated and fuzzy entries."""
    _check_po_syntax(path)
    try:
        with path.open("rb") as fh:
            catalog: Catalog = read_po(fh, abort_invalid=True)
    except Exception as exc:  # Babel raises several error types for broken files
        raise CatalogError(f"{path}: {exc}") from exc
    return {
        str(msg.id): str(msg.string)
        for msg in catalog
        if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy
    }


def _check_po_syntax(path: Path) -> None:
    """Catch what Babel's lenient parser lets through, such as an unterminated string."""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        quoted = line if line.startswith('"') else rest.strip()
        if not line.startswith('"') and not keyword.startswith("msg"):
            raise CatalogError(f"{path}:{number}: expected msgid, msgstr or a quoted string")
        if (
            len(quoted) < 2
            or not (quoted.startswith('"') and quoted.endswith('"'))
            or (quoted.endswith('\\"') and not quoted.endswith('\\\\"'))
        ):
            raise CatalogError(f"{path}:{number}: the string is not closed with a quote")


class Catalogs:
    """All languages found under a locales directory: `<dir>/<code>/LC_MESSAGES/messages.po`."""

    def __init__(
        self,
        locales_dir: Path,
        fallback: str = "en",
        constants: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """`constants`: placeholders any message may use, per language ("*" for the rest),
        such as the organisation's name; by default from the settings."""
        self.locales_dir = locales_dir
        self.fallback = fallback
        if constants is None:
            constants = text_constants(get_settings())
        self.constants = constants
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()
        self.reload_if_changed()
        if fallback not in self._loaded:
            raise CatalogError(
                f"no catalog for the fallback language {fallback!r} in {locales_dir}"
            )

    def _po_files(self) -> dict[str, Path]:
        return {
            po.parent.parent.name: po
            for po in sorted(self.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        }

    def reload_if_changed(self) -> bool:
        """Re-read catalogs whose file changed; a broken file keeps the last good version."""
        changed = False
        with self._lock:
            files = self._po_files()
            for code in set(self._loaded) - set(files):
                del self._loaded[code]
                changed = True
            for code, path in files.items():
                mtime = path.stat().st_mtime_ns
                current = self._loaded.get(code)
                if current is not None and current.mtime_ns == mtime:
                    continue
                try:
                    self._loaded[code] = _Loaded(read_catalog(path), mtime)
                    changed = True
                except CatalogError:
                    log.exception("catalog %s is broken; keeping the previous version", code)
        return changed

    @property
    def languages(self) -> list[str]:
        """Language codes with a catalog, the fallback first."""
        return sorted(self._loaded, key=lambda code: (code != self.fallback, code))

    def has(self, language: str) -> bool:
        return language in self._loaded

    def keys(self, language: str) -> set[str]:
        return set(self._loaded[language].messages)

    def text(self, language: str, key: str) -> str:
        """The raw text of a key; raises MissingMessageError when absent."""
        try:
            return self._loaded[language].messages[key]
        except KeyError:
            raise MissingMessageError(f"{language}: {key}") from None

    def render(self, language: str, key: str, params: dict[str, Any] | None = None) -> str:
        """Render a key in a language, falling back to the fallback language when missing."""
        lang = language if language in self._loaded else self.fallback
        try:
            template = self.text(lang, key)
        except MissingMessageError:
            # Log only the key: never a survivor's text.
            log.error("message key %s missing in %s; using %s", key, lang, self.fallback)
            template = self.text(self.fallback, key)
        given = {
            name: values.get(lang, values.get("*", "")) for name, values in self.constants.items()
        }
        given.update(params or {})
        return template.format_map(_Params(self._resolve(lang, given)))

    def _resolve(self, language: str, params: dict[str, Any]) -> dict[str, Any]:
        """A parameter given as {"key": ..., "params": ...} is itself a message (a weekday)."""
        return {
            name: self.render(language, value["key"], value.get("params"))
            if isinstance(value, dict) and isinstance(value.get("key"), str)
            else value
            for name, value in params.items()
        }


class _Params(dict[str, Any]):
    """Leaves unknown placeholders visible instead of raising mid-conversation."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def served_locales(settings: Settings) -> Path:
    """What the gateway renders from: the last publish, or the working copy before any."""
    current = settings.published_dir / "current" / "locales"
    return current if current.exists() else settings.locales_dir
