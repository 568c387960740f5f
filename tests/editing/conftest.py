from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import ROOT, Settings


@pytest.fixture
def working_copy(
    tmp_path: Path, isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The repository's catalogs copied where a test may break them, and a place to publish."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setenv("RAHNUMA_LOCALES_DIR", str(locales))
    monkeypatch.setenv("RAHNUMA_PUBLISHED_DIR", str(tmp_path / "published"))
    from bot.config import get_settings

    get_settings.cache_clear()
    return get_settings()


def edit(po: Path, key: str, new_text: str) -> None:
    """Replace one message's translation (single-line msgstr or a multi-line one)."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    catalog[key].string = new_text
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0)
