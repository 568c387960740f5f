"""What the pages take from the running gateway: the trigger words are read once."""

from __future__ import annotations

from pathlib import Path

from bot.config import ROOT
from bot.console.dependencies import trigger_words
from bot.wording.preview import CHECKS_FILE, load_trigger_words


def test_trigger_words_are_the_content_checks_read_once(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / CHECKS_FILE).write_text("forbidden_in_preview: [Rescue]\n", encoding="utf-8")
    assert trigger_words(content) == ["rescue"]
    (content / CHECKS_FILE).write_text("forbidden_in_preview: [FIA]\n", encoding="utf-8")
    assert trigger_words(content) == ["rescue"]  # as read when the console was set up
    assert trigger_words(ROOT / "content") == load_trigger_words(ROOT / "content")
