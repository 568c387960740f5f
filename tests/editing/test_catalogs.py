"""`make i18n`: the template follows the code; catalogs follow the template."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.config import ROOT, Settings
from bot.editing import catalogs
from bot.editing.catalogs import TEMPLATE, compile_all, stale, update


def test_the_committed_catalogs_are_current() -> None:
    """CI fails on stale catalogs: run `make i18n` and commit."""
    assert stale(ROOT / "locales") == []


def test_update_adds_new_keys_untranslated_and_keeps_unused_ones_unless_pruned(
    working_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = catalogs.all_keys

    def keys_with_change(*args: object) -> dict[str, str]:
        found = dict(real())
        found.pop("thank.reply")
        found["new.message"] = "actions/flows.py:1"
        return found

    monkeypatch.setattr(catalogs, "all_keys", keys_with_change)
    changed = update(working_copy.locales_dir)
    assert len(changed) == 4  # the template and three catalogs (the new key)
    with (working_copy.locales_dir / "ur" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    assert catalog["new.message"] is not None and catalog["new.message"].string == ""
    assert catalog["thank.reply"].string  # a key the extraction misses keeps its translation
    assert catalog["welcome.intro"].string
    assert update(working_copy.locales_dir) == []  # idempotent
    update(working_copy.locales_dir, prune=True)
    with (working_copy.locales_dir / "ur" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        assert read_po(fh).get("thank.reply") is None


def test_compile_writes_mo_files(working_copy: Settings) -> None:
    written = compile_all(working_copy.locales_dir)
    assert {p.parent.parent.name for p in written} == {"en", "ur", "ur_Latn"}
    assert all(p.stat().st_size > 1000 for p in written)


def test_template_names_where_each_key_is_used() -> None:
    text = (ROOT / "locales" / TEMPLATE).read_text(encoding="utf-8")
    assert '#: actions/emergency.py\nmsgid "welcome.intro"' in text
