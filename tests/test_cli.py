"""The command line without a running stack."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import get_settings
from bot.console.auth import start_session
from bot.privacy.identity import Vault
from bot.store import AuditEntry, Database, StaffMember, StaffSession


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


def test_staff_add_list_disable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long staff password\n"))
    assert main(["staff", "add", "Amina", "--name", "Amina K", "--role", "admin",
                 "--password-stdin"]) == 0  # fmt: skip
    assert "Created amina (admin)" in capsys.readouterr().out
    assert main(["staff", "list"]) == 0
    assert "amina\tadmin\tactive\tAmina K" in capsys.readouterr().out
    assert main(["staff", "disable", "amina"]) == 0
    assert main(["staff", "list"]) == 0
    assert "disabled" in capsys.readouterr().out
    db = Database(get_settings().database_url)
    with db.session() as session:
        member = session.scalars(select(StaffMember)).one()
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert member.password_hash.startswith("$argon2id$")
    assert actions == ["added staff", "disabled staff"]


def test_staff_reset_two_factor_for_the_last_admin_who_lost_the_phone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long staff password\n"))
    assert main(["staff", "add", "sara", "--role", "admin", "--password-stdin"]) == 0
    db = Database(get_settings().database_url)
    vault = Vault(get_settings().address_key)
    with db.session() as session:
        sara = session.scalars(select(StaffMember)).one()
        sara.totp_sealed = vault.seal("JBSWY3DPEHPK3PXP")  # as if she had set it up
        start_session(session, sara)
    assert main(["staff", "reset-two-factor", "sara"]) == 0
    assert "two-step sign-in is off" in capsys.readouterr().out
    with db.session() as session:
        sara = session.scalars(select(StaffMember)).one()
        sessions = session.scalars(select(StaffSession)).all()
        entries = [
            (e.staff_username, e.action, e.detail) for e in session.scalars(select(AuditEntry))
        ]
    assert sara.totp_sealed is None and sessions == []
    assert ("command line", "reset two-factor", "sara") in entries
    assert main(["staff", "reset-two-factor", "nobody"]) == 1


def test_staff_add_refuses_weak_passwords_and_mismatches(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["staff", "add", "bilal", "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
    answers = iter(["a long staff password", "a different password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["staff", "add", "bilal"]) == 1
    assert "differ" in capsys.readouterr().err
    assert main(["staff", "disable", "nobody"]) == 1
