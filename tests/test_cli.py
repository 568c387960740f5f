"""The command line without a running stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.cli import main


def typed(lines: list[str]) -> Iterator[str]:
    yield from lines
    raise EOFError


def test_chat_says_clearly_when_the_gateway_is_down(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = typed(["hello"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(keys))
    assert main(["chat", "--url", "http://127.0.0.1:9"]) == 0
    assert "is `make run` going?" in capsys.readouterr().err
