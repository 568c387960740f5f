"""Shared fixtures. Every test runs against its own SQLite files unless it asks for PostgreSQL."""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, make_url, text

from bot.config import ROOT, Settings, get_settings
from bot.console import auth
from bot.directory import load_gazetteer
from bot.directory.demo import seed_demo
from bot.handoff.hours import WEEKDAYS
from bot.logs import quiet_third_parties
from bot.privacy.erasure import TrackerStore
from bot.store import Database, close_shared_databases
from bot.wording.catalogs import Catalogs
from tests.auxil.fake_engine import RASA_EVENTS_TABLE
from tests.auxil.services import fresh_postgres_database

# The tests are an environment of their own (unnamed means production, which refuses the
# development keys): also for session fixtures set up before `isolated_settings`, and for
# `pytest` run without make.
os.environ.setdefault("RAHNUMA_ENVIRONMENT", "test")

# CI points DATABASE_URL at PostgreSQL; database tests then run there as well as on SQLite.
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
HAS_POSTGRES = POSTGRES_URL.startswith("postgresql")


# argon2 at its recommended costs takes ~0.2 s of CPU a hash, and console tests make and check
# several per test: a cheap argon2id runs the same code (the real costs run in the end-to-end
# tests' gateway, and tests/console/test_auth.py checks them).
PRODUCTION_HASHER = auth._hasher
auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
auth._DUMMY_HASH = auth._hasher.hash("not anyone's password")


@pytest.fixture(autouse=True)
def isolated_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_templates: DatabaseTemplates
) -> Iterator[Settings]:
    """Settings pointing at throwaway databases; the real environment never leaks in."""
    monkeypatch.setenv("DATABASE_URL", database_templates.sqlite_copy(tmp_path / "rahnuma.db"))
    monkeypatch.setenv("RAHNUMA_TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "test")
    monkeypatch.setenv("RAHNUMA_PUBLISHED_DIR", str(tmp_path / "published"))
    # Retraining writes its progress beside the model: never beside the repository's.
    monkeypatch.setenv("RAHNUMA_MODEL_FILE", str(tmp_path / "models" / "rahnuma.tar.gz"))
    # Staffed at every hour, so that a test's answer doesn't depend on when it runs.
    monkeypatch.setenv("RAHNUMA_STAFF_HOURS_FILE", str(write_always_staffed(tmp_path)))
    get_settings.cache_clear()
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


class DatabaseTemplates:
    """Each test's database is a copy of one migrated and seeded once per session: a file
    copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (a few milliseconds, where
    running every migration and the seed took one to two seconds for each of ~550 tests).
    The template is built by the real migrations (tests/store/test_schema.py compares them
    with the models)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite: Path | None = None
        self.postgres: str | None = None  # the template database's name
        self._copies = itertools.count()
        # Dropping a database now and then waits seconds for PostgreSQL (its backends to end,
        # a checkpoint): done behind the tests, all finished when the session ends.
        self._dropping = ThreadPoolExecutor(max_workers=1)

    def sqlite_copy(self, target: Path) -> str:
        if self.sqlite is None:
            self.sqlite = self.folder / "template.db"
            _migrated_and_seeded(f"sqlite:///{self.sqlite}")
        shutil.copyfile(self.sqlite, target)
        return f"sqlite:///{target}"

    def postgres_copy(self) -> str:
        server = make_url(POSTGRES_URL)
        if self.postgres is None:
            self.postgres = f"rahnuma_template_{os.getpid()}"
            _migrated_and_seeded(fresh_postgres_database(POSTGRES_URL, self.postgres))
        name = f"rahnuma_test_{os.getpid()}_{next(self._copies)}"
        _on_server(f"CREATE DATABASE {name} TEMPLATE {self.postgres}")
        return server.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if url.startswith("postgresql"):
            statement = f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"
            self._dropping.submit(_on_server, statement)

    def close(self) -> None:
        self._dropping.shutdown(wait=True)
        if self.postgres is not None:
            _on_server(f"DROP DATABASE IF EXISTS {self.postgres} WITH (FORCE)")
            _admin().dispose()


def _migrated_and_seeded(url: str) -> None:
    db = Database(url)
    db.migrate()  # the real migrations, on both databases
    seed_directory(db)
    db.engine.dispose()


@functools.cache
def _admin() -> Engine:
    """One connection pool to the server's maintenance database, for the whole session
    (a copy is made and dropped for each of ~270 tests)."""
    url = make_url(POSTGRES_URL).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _on_server(statement: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(statement))


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    templates = DatabaseTemplates(tmp_path_factory.mktemp("database-templates"))
    yield templates
    templates.close()


@pytest.fixture(params=_database_urls())
def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_templates: DatabaseTemplates,
) -> Iterator[Database]:
    """A fresh gateway database on SQLite, and on PostgreSQL where DATABASE_URL points to one
    (a database of its own on that server, dropped after the test).

    The settings point at it too, so the actions write where the test reads.
    """
    if request.param == "sqlite":
        url = database_templates.sqlite_copy(tmp_path / "gateway.db")
    else:
        url = database_templates.postgres_copy()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    db = Database(url)
    yield db
    close_shared_databases()
    db.engine.dispose()
    database_templates.drop(url)


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


@pytest.fixture(scope="session", autouse=True)
def _no_identifying_log_lines() -> Iterator[None]:
    """Checked when the session's fixtures end (the first made, so the last to end): an
    error here fails the run, also in each of pytest-xdist's workers."""
    yield
    if _RECORDER.leaks:
        raise AssertionError(
            f"{len(_RECORDER.leaks)} log lines held identifying data, e.g.:\n{_RECORDER.leaks[0]}"
        )


# The end-to-end tests that retrain a model run beside the others, on a stack of their own
# (a worker starts its own): together they would wait ten minutes for each other.
_OWN_STACK = ("tests/e2e/test_learning.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With `-n 2 --dist loadgroup` (make test), the tests of one running stack stay on one
    worker, so that each stack starts once; the unit tests share out over both."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "scaled" in fixtures:
            item.add_marker(pytest.mark.xdist_group("scaled"))
        elif "stack" in fixtures:
            own = item.nodeid.split("::")[0] in _OWN_STACK
            item.add_marker(pytest.mark.xdist_group("learning" if own else "stack"))
