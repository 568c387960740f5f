"""The audit log's records: short details, never what was typed, newest first, in pages."""

from __future__ import annotations

from bot.console import audit
from bot.store import Database


def test_entries_are_kept_short_and_read_newest_first_in_pages(database: Database) -> None:
    with database.session() as session:
        audit.record(session, None, "sign-in failed", username="-")
        audit.record(session, None, "something", detail="x" * 500)
        audit.record(session, None, "third")
    with database.session() as session:
        newest = audit.latest(session)
        assert [e.action for e in newest] == ["third", "something", "sign-in failed"]
        assert len(newest[1].detail) == 200 and newest[0].staff_username == "-"
        assert [e.action for e in audit.latest(session, limit=1)] == ["third"]
        older = audit.latest(session, before=newest[0].id)
        assert [e.action for e in older] == ["something", "sign-in failed"]
