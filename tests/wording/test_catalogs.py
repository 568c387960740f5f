"""Loading and rendering catalogs. What the catalogs must contain (every key, the same
placeholders, neutral first lines, no blame) is `rahnuma content check`, tested in
tests/editing/test_check.py against the repository's own catalogs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.wording.catalogs import CatalogError, Catalogs, MissingMessageError

LANGUAGES = ["en", "ur", "ur_Latn"]


def test_the_three_languages_are_offered(catalogs: Catalogs) -> None:
    assert catalogs.languages == LANGUAGES


def test_urdu_uses_urdu_letters(catalogs: Catalogs) -> None:
    for key in catalogs.keys("ur"):
        assert not set(catalogs.text("ur", key)) & set("يكهى"), key


def test_introduction_meets_rule_one(catalogs: Catalogs) -> None:
    for language in LANGUAGES:
        intro = catalogs.text(language, "welcome.intro")
        assert "15" in intro and "1122" in intro
        assert "{organisation}" in intro  # who runs it: the deploying organisation (rule 1)
    named = Catalogs(catalogs.locales_dir, constants={"organisation": {"*": "Sahil Trust"}})
    assert "Sahil Trust" in named.render("ur_Latn", "welcome.intro")


def test_a_missing_key_is_an_error_not_silence(catalogs: Catalogs) -> None:
    with pytest.raises(MissingMessageError):
        catalogs.text("ur", "no.such.key")


def write_catalog(po: Path, msgstr: str, mtime_ns: int) -> None:
    """An English catalog with one key; the mtime makes the change visible to the reload."""
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(f'msgid "greet"\nmsgstr {msgstr}\n', encoding="utf-8")
    os.utime(po, ns=(mtime_ns, mtime_ns))


def test_a_broken_catalog_keeps_the_last_good_version(tmp_path: Path) -> None:
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    write_catalog(po, '"Hello"', 10**18)
    catalogs = Catalogs(tmp_path)
    write_catalog(po, '"Hello', 2 * 10**18)  # unterminated string
    catalogs.reload_if_changed()
    assert catalogs.text("en", "greet") == "Hello"


def test_a_wording_change_is_picked_up_without_restart(tmp_path: Path) -> None:
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    write_catalog(po, '"Hello"', 10**18)
    catalogs = Catalogs(tmp_path)
    write_catalog(po, '"Hi there"', 2 * 10**18)
    assert catalogs.reload_if_changed()
    assert catalogs.render("en", "greet") == "Hi there"


def test_catalog_without_fallback_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        Catalogs(tmp_path)


def test_repository_catalogs_are_complete() -> None:
    """No untranslated or fuzzy entry reaches a survivor."""
    for po in sorted((ROOT / "locales").rglob("*.po")):
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text, po
        assert 'msgstr ""\n\n' not in text.split("\n\n", 1)[1], po
