"""Erased words are gone from the files, not only from the tables (security review F12).

A plain DELETE leaves a row's bytes in SQLite's free pages and in its write-ahead log, where
anyone holding the file can read them. These tests read the raw files after an erasure, as
someone who took the disk would; PostgreSQL's side is in tests/ops/test_postgres_roles.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.privacy.erasure import TrackerStore, erase_person
from bot.store import Contact, Database, Ticket
from tests.auxil.fake_engine import RASA_EVENTS_TABLE
from tests.privacy.conftest import add_event

SECRET = "zarminaqwerty"  # what the person wrote: their name, say
PERSON = "p_remanence0person"
MENU = "kasurbrickkiln"  # a place among their last menu's choices


@pytest.fixture(params=["delete", "wal"])
def trackers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackerStore]:
    """Rasa's SQLite tracker, in its default rollback journal and in WAL mode."""
    store = TrackerStore(f"sqlite:///{tmp_path / 'tracker.db'}")
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA journal_mode={request.param}")
        conn.execute(text(RASA_EVENTS_TABLE.format(id="INTEGER PRIMARY KEY")))
    yield store
    store.engine.dispose()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'gateway.db'}")
    database.migrate()
    yield database
    database.engine.dispose()


def _talk(trackers: TrackerStore, *, at: float | None = None) -> None:
    """Others' conversations around the person's, so their rows sit inside used pages."""
    for number in range(40):
        add_event(trackers, f"p_other{number}", f"hello number {number}", at)
        if number % 8 == 0:
            add_event(trackers, PERSON, f"my name is {SECRET} {number}", at)


def _on_disk(folder: Path, name: str) -> bytes:
    """Every file SQLite keeps for one database: the database, its WAL, its journal."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob(f"{name}*")) if path.is_file())


def test_delete_leaves_no_word_in_the_tracker_or_gateway_files(
    trackers: TrackerStore, db: Database, tmp_path: Path
) -> None:
    _talk(trackers)
    with db.session() as session:
        session.add(Contact(pseudonym=PERSON, channel="sms", address_sealed=b"sealed",
                            language="en", last_menu={"1": f"/inform{{\"place\": \"{MENU}\"}}"}))  # fmt: skip
        session.add(Ticket(pseudonym=PERSON))
    assert SECRET.encode() in _on_disk(tmp_path, "tracker.db")  # the test can see it there
    assert MENU.encode() in _on_disk(tmp_path, "gateway.db")

    erase_person(db, trackers, PERSON)

    for name in ("tracker.db", "gateway.db"):
        found = _on_disk(tmp_path, name)
        assert SECRET.encode() not in found, name
        assert MENU.encode() not in found, name
        assert PERSON.encode() not in found, name
    with trackers.engine.connect() as conn:  # and the others' words are all still there
        assert conn.scalar(text("SELECT count(*) FROM events")) == 40


def test_text_scrubbed_for_no_consent_is_overwritten_too(
    trackers: TrackerStore, tmp_path: Path
) -> None:
    _talk(trackers)
    trackers.scrub_text(PERSON)
    assert SECRET.encode() not in _on_disk(tmp_path, "tracker.db")


def test_expired_events_leave_no_word_after_the_hourly_purge(
    trackers: TrackerStore, tmp_path: Path
) -> None:
    month_ago = time.time() - 40 * 86400
    _talk(trackers, at=month_ago)
    add_event(trackers, "p_recent", "still here")
    trackers.forget_before(datetime.now(UTC) - timedelta(days=30), keep=set())
    trackers.compact()
    found = _on_disk(tmp_path, "tracker.db")
    assert SECRET.encode() not in found
    assert b"hello number" not in found
    assert b"still here" in found
