"""Shared fixtures. Every test runs against its own SQLite files unless it asks for PostgreSQL."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import ROOT, Settings, get_settings
from bot.directory import load_gazetteer
from bot.directory.demo import seed_demo
from bot.handoff.hours import WEEKDAYS
from bot.logs import quiet_third_parties
from bot.privacy.erasure import TrackerStore
from bot.store import Database, close_shared_databases
from bot.store.models import Base
from bot.wording.catalogs import Catalogs
from tests.auxil.fake_engine import RASA_EVENTS_TABLE

# The tests are an environment of their own (unnamed means production, which refuses the
# development keys): also for session fixtures set up before `isolated_settings`, and for
# `pytest` run without make.
os.environ.setdefault("RAHNUMA_ENVIRONMENT", "test")

# CI points DATABASE_URL at PostgreSQL; database tests then run there as well as on SQLite.
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
HAS_POSTGRES = POSTGRES_URL.startswith("postgresql")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at throwaway databases; the real environment never leaks in."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rahnuma.db'}")
    monkeypatch.setenv("RAHNUMA_TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "test")
    monkeypatch.setenv("RAHNUMA_PUBLISHED_DIR", str(tmp_path / "published"))
    # Retraining writes its progress beside the model: never beside the repository's.
    monkeypatch.setenv("RAHNUMA_MODEL_FILE", str(tmp_path / "models" / "rahnuma.tar.gz"))
    # Staffed at every hour, so that a test's answer doesn't depend on when it runs.
    monkeypatch.setenv("RAHNUMA_STAFF_HOURS_FILE", str(write_always_staffed(tmp_path)))
    get_settings.cache_clear()
    db = Database(f"sqlite:///{tmp_path / 'rahnuma.db'}")
    db.migrate()
    seed_directory(db)
    db.engine.dispose()
    yield get_settings()
    get_settings.cache_clear()
    close_shared_databases()


def write_always_staffed(folder: Path) -> Path:
    path = folder / "staff_hours.yml"
    days = "".join(f"  {day}: ['00:00-24:00']\n" for day in WEEKDAYS)
    path.write_text(f"timezone: Asia/Karachi\nweek:\n{days}", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs(ROOT / "locales")


def seed_directory(db: Database) -> None:
    """The seed as demo listings, as development has it."""
    with db.session() as session:
        seed_demo(
            session,
            ROOT / "data/seed/services_pk.yaml",
            load_gazetteer(ROOT / "data/seed/districts_pk.yaml"),
            today=date.today(),
        )


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
    _drop_everything(db)
    db.migrate()  # the real migrations, on both databases
    seed_directory(db)
    yield db
    close_shared_databases()
    _drop_everything(db)
    db.engine.dispose()


@pytest.fixture
def trackers(database: Database, tmp_path: Path) -> Iterator[TrackerStore]:
    """Rasa's tracker store on the same kind of database as the gateway's store."""
    on_postgres = database.engine.dialect.name == "postgresql"
    url = (
        database.engine.url.render_as_string(hide_password=False)
        if on_postgres
        else f"sqlite:///{tmp_path / 'tracker.db'}"
    )
    store = TrackerStore(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
        key = "SERIAL PRIMARY KEY" if on_postgres else "INTEGER PRIMARY KEY"
        conn.execute(text(RASA_EVENTS_TABLE.format(id=key)))
    yield store
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
    store.engine.dispose()


def _drop_everything(db: Database) -> None:
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


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
    logging.getLogger().setLevel(logging.DEBUG)  # "at any log level" for our code
    quiet_third_parties()  # as in production: their debug output is not ours to read


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _RECORDER.leaks:
        print(
            f"\n{len(_RECORDER.leaks)} log lines held identifying data, e.g.:\n{_RECORDER.leaks[0]}"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
