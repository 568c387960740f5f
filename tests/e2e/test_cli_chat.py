"""`rahnuma chat`: a terminal conversation through the whole running stack."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.cli import main

pytestmark = pytest.mark.e2e


def typed(lines: list[str]) -> Iterator[str]:
    yield from lines
    raise EOFError


def test_chat_in_urdu_over_telegram(
    gateway: httpx.Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = typed(["1"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(keys))
    url = str(gateway.base_url)
    assert main(["chat", "--url", url, "--lang", "ur", "--channel", "telegram"]) == 0
    out = capsys.readouterr().out
    assert "1122" in out  # the introduction, in Urdu, after choosing the language
    assert "[1 " in out  # Telegram buttons are shown as such
    assert "UCS-2" in out
