"""Verifying, expiring and suspending a listing, in code and from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.directory.curation import set_status, verify
from bot.store import Database, ListingChange
from tests.directory.conftest import TODAY, add_listing, ids, listings_by_id


def test_expiring_removes_a_listing_at_once(database: Database) -> None:
    add_listing(database, "kasur-shelter", scope="district", districts=["Kasur"])
    assert ids(database, "shelter", "Kasur")[0] == "kasur-shelter"
    with database.session() as session:
        set_status(session, "kasur-shelter", "expired", by="Editor A", reason="number dead")
    assert "kasur-shelter" not in ids(database, "shelter", "Kasur")
    with database.session() as session:
        verify(session, "kasur-shelter", by="Editor B", today=TODAY)
    assert ids(database, "shelter", "Kasur")[0] == "kasur-shelter"
    with database.session() as session:
        history = [
            (c.action, c.changed_by)
            for c in session.query(ListingChange)
            .filter_by(listing_id="kasur-shelter")
            .order_by(ListingChange.id)
        ]
    assert history == [("expired", "Editor A"), ("verify", "Editor B")]


def test_verify_expire_suspend_and_due_from_the_command_line(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["services", "verify", "mohr-helpline", "--by", "Amina (caseworker)"]) == 0
    listing = listings_by_id(database)["mohr-helpline"]
    assert listing.verified_by == "Amina (caseworker)" and not listing.demo
    assert (
        main(["services", "expire", "madadgaar-1098", "--by", "Amina", "--reason", "no answer"])
        == 0
    )
    assert main(["services", "suspend", "punjab-women-helpline-1043", "--by", "Amina"]) == 0
    assert listings_by_id(database)["madadgaar-1098"].status == "expired"
    assert main(["services", "verify", "no-such-listing", "--by", "Amina"]) == 1
    capsys.readouterr()
    assert main(["services", "due", "--within", "400"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines == sorted(lines)  # soonest first (ISO dates sort as text)
    with database.session() as session:
        actions = [
            c.action
            for c in session.scalars(
                select(ListingChange).where(ListingChange.listing_id == "madadgaar-1098")
            )
        ]
    assert actions[-1] == "expired"
