"""Verifying, expiring and suspending a listing, in code and from the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.directory.curation import DUE_SOON_DAYS, check_state, set_status, verify
from bot.directory.importer import RECHECK_DAYS
from bot.store import Database, ListingChange, ListingStatus, ServiceListing
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


def test_verify_keeps_how_and_a_note_in_the_history(database: Database) -> None:
    add_listing(database, "kasur-shelter", status="expired")
    with database.session() as session:
        verify(session, "kasur-shelter", by="Erum", today=TODAY, how="visit", note=" saw it ")
    with database.session() as session:
        change = session.scalars(
            select(ListingChange).where(ListingChange.listing_id == "kasur-shelter")
        ).one()
    assert change.details == {
        "due": (TODAY + timedelta(days=RECHECK_DAYS)).isoformat(),
        "how": "visit",
        "note": "saw it",
    }


def test_an_unknown_way_of_checking_is_refused_and_changes_nothing(database: Database) -> None:
    add_listing(database, "kasur-shelter", status="expired")
    with database.session() as session, pytest.raises(ValueError, match="phone call"):
        verify(session, "kasur-shelter", by="Erum", today=TODAY, how="a dream")
    assert listings_by_id(database)["kasur-shelter"].status == "expired"


def test_how_from_the_command_line(database: Database) -> None:
    assert main(["services", "verify", "mohr-helpline", "--by", "Amina", "--how", "phone call",
                 "--note", "answered at once"]) == 0  # fmt: skip
    with database.session() as session:
        details = session.scalars(
            select(ListingChange)
            .where(ListingChange.listing_id == "mohr-helpline", ListingChange.action == "verify")
        ).one().details  # fmt: skip
    assert (details["how"], details["note"]) == ("phone call", "answered at once")
    assert main(["services", "verify", "mohr-helpline", "--by", "Amina", "--how", "guess"]) == 1


@pytest.mark.parametrize(
    ("status", "due_in_days", "state"),
    [
        ("verified", DUE_SOON_DAYS + 1, "verified"),
        ("verified", DUE_SOON_DAYS, "due"),
        ("verified", -3, "due"),  # overdue: already out of survivors' answers
        ("draft", -3, "draft"),
        ("to_confirm", None, "to_confirm"),
        ("suspended", 100, "suspended"),
        ("expired", None, "expired"),
    ],
)
def test_check_state_shows_due_a_fortnight_ahead(
    status: str, due_in_days: int | None, state: str
) -> None:
    due = None if due_in_days is None else TODAY + timedelta(days=due_in_days)
    listing = ServiceListing(id="x", status=ListingStatus(status), next_check_due=due)
    assert check_state(listing, today=TODAY) == state
