"""Shared fixtures. Every test runs against its own SQLite files unless it asks for PostgreSQL."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ROOT, Settings, get_settings
from bot.i18n import Catalogs
from bot.store import Database

# CI points DATABASE_URL at PostgreSQL; database tests then run there as well as on SQLite.
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
HAS_POSTGRES = POSTGRES_URL.startswith("postgresql")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at throwaway databases; the real environment never leaks in."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rahnuma.db'}")
    monkeypatch.setenv("RAHNUMA_TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "test")
    get_settings.cache_clear()
    Database(f"sqlite:///{tmp_path / 'rahnuma.db'}").create_all()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs(ROOT / "locales")


def _database_urls() -> list[object]:
    urls: list[object] = ["sqlite"]
    urls.append(
        pytest.param("postgresql", marks=pytest.mark.postgres)
        if HAS_POSTGRES
        else pytest.param(
            "postgresql", marks=pytest.mark.skip(reason="DATABASE_URL is not PostgreSQL")
        )
    )
    return urls


@pytest.fixture(params=_database_urls())
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """A fresh gateway database on SQLite, and on PostgreSQL where DATABASE_URL points to one.

    The settings point at it too, so the actions write where the test reads.
    """
    url = f"sqlite:///{tmp_path / 'gateway.db'}" if request.param == "sqlite" else POSTGRES_URL
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    db = Database(url)
    from bot.store.models import Base

    Base.metadata.drop_all(db.engine)
    db.create_all()
    yield db
    Base.metadata.drop_all(db.engine)
    db.engine.dispose()


# -- SAFETY.md rule 20: the whole run's logs hold no phone number, chat id or message text --

# Phone numbers and chat ids the tests use, and messages they send, all recognisable here.
_IDENTIFYING = re.compile(
    r"\+?92\d{9,10}|\b77700\d{4}\b|\b8800\d{5}\b"
    r"|mujhe bachao|they locked me in|مجھے بچاؤ|main lahore mein hoon|I need a lawyer in Multan"
    r"|مجھے رہنے کی جگہ چاہیے|zarminaqwerty"
)


class _LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        try:
            line = self.format(record)
        except Exception:  # a record that can't be formatted can't leak either
            return
        if _IDENTIFYING.search(line):
            self.leaks.append(line)


_RECORDER = _LogRecorder()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_RECORDER)
    logging.getLogger().setLevel(logging.DEBUG)  # "at any log level"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _RECORDER.leaks:
        print(
            f"\n{len(_RECORDER.leaks)} log lines held identifying data, e.g.:\n{_RECORDER.leaks[0]}"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
