"""The referral rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.directory import emergency_listings, find_listings
from bot.directory.listings import SERVICE_TYPES, nearness
from bot.store import Database, ServiceListing
from tests.directory.conftest import GAZETTEER, TODAY, add_listing, ids


def test_ranking_is_district_then_province_then_national(database: Database) -> None:
    add_listing(database, "kasur-shelter", scope="district", districts=["Kasur"])
    add_listing(database, "punjab-shelter", scope="province", provinces=["Punjab"])
    add_listing(database, "sindh-shelter", scope="province", provinces=["Sindh"])
    add_listing(database, "lahore-shelter", scope="district", districts=["Lahore"])
    add_listing(database, "national-shelter")
    found = ids(database, "shelter", "Kasur")
    assert found[0] == "kasur-shelter"
    assert found.index("punjab-shelter") < found.index("national-shelter")
    assert "sindh-shelter" not in found and "lahore-shelter" not in found


@pytest.mark.parametrize(
    "state",
    [
        {"status": "draft"}, {"status": "expired"}, {"status": "suspended"},
        {"next_check_due": TODAY - timedelta(days=1)}, {"next_check_due": None},
    ],
    ids=["draft", "expired", "suspended", "past-due", "never-checked"],
)  # fmt: skip
def test_nothing_unverified_or_past_due_ever_reaches_a_survivor(
    database: Database, state: dict[str, object]
) -> None:
    add_listing(database, "hidden-shelter", scope="district", districts=["Kasur"], **state)
    assert "hidden-shelter" not in ids(database, "shelter", "Kasur")
    assert "hidden-shelter" not in ids(database, None, None)


def test_emergency_numbers_come_from_the_directory(database: Database) -> None:
    with database.session() as session:
        phones = [x.phones[0] for x in emergency_listings(session, today=TODAY, include_demo=True)]
    assert phones == ["15", "1122"]


def test_a_complaint_line_never_tops_an_answer_unless_the_police_were_asked_for(
    database: Database,
) -> None:
    """Issue 15: "Medical help" used to list the FIA complaint line first."""
    helplines = ids(database, None, None)
    assert helplines[0] != "fia-tip-hotline"
    assert helplines[-1] == "fia-tip-hotline"  # still there: some people want to report
    assert ids(database, "police", None)[0] == "fia-tip-hotline"


def test_a_safe_place_for_the_person_comes_first_and_one_only_for_others_never(
    database: Database,
) -> None:
    """Issue 15: a grown woman asking for a safe place in Lahore was sent to the child
    protection bureau. A place for her comes first; one only for children never answers."""
    add_listing(database, "lahore-women", scope="district", districts=["Lahore"], serves=["women"])
    add_listing(
        database, "lahore-children", scope="district", districts=["Lahore"], serves=["children"]
    )
    add_listing(database, "lahore-anyone", scope="district", districts=["Lahore"])
    add_listing(database, "punjab-women", scope="province", provinces=["Punjab"], serves=["women"])
    woman = ids(database, "shelter", "Lahore", audience="women")
    assert woman[:3] == ["lahore-women", "lahore-anyone", "punjab-women"]
    assert "lahore-children" not in woman
    child = ids(database, "shelter", "Lahore", audience="children")
    assert child[:2] == ["lahore-children", "lahore-anyone"] and "lahore-women" not in child
    man = ids(database, "shelter", "Lahore", audience="men")
    assert man[0] == "lahore-anyone" and not {"lahore-women", "lahore-children"} & set(man)
    # Nobody named: places for everyone first, the rest after (their names say for whom).
    anyone = ids(database, "shelter", "Lahore")
    assert anyone[0] == "lahore-anyone" and {"lahore-women", "lahore-children"} <= set(anyone)


def test_a_nearby_complaint_line_still_comes_after_a_national_line_that_does_not_report(
    database: Database,
) -> None:
    """Issue 15: in Peshawar "someone to talk to" listed KP's police-linked line first."""
    add_listing(
        database, "kp-police-linked", scope="province", provinces=["Khyber Pakhtunkhwa"],
        service_types=["counselling", "helpline", "police"],
    )  # fmt: skip
    add_listing(database, "national-listener", service_types=["counselling"])
    found = ids(database, "counselling", "Peshawar")
    assert found.index("national-listener") < found.index("kp-police-linked")
    assert ids(database, "police", "Peshawar")[0] == "kp-police-linked"


def test_the_sql_prefilter_drops_nothing_the_rules_would_answer_with(database: Database) -> None:
    """find_listings narrows the directory in SQL by matching the JSON lists' text, then
    applies the exact rules: for every kind of help and many places, in a directory with
    awkward values (an underscore, a quote, Urdu script, a name inside another), the answer
    is what the exact rules give over the whole directory."""
    awkward = ["Dera Ghazi Khan", "Ghazi", 'Kasur "city"', "قصور", "labour_rights", "Lahore"]
    for number, name in enumerate(awkward):
        add_listing(database, f"d{number}", scope="district", districts=[name, "Kasur"][: 1 + number % 2],
                    service_types=[SERVICE_TYPES[number % len(SERVICE_TYPES)], "shelter"])  # fmt: skip
        add_listing(database, f"p{number}", scope="province", provinces=[name],
                    service_types=["labour_rights"])  # fmt: skip
    places = [None, "Kasur", "Lahore", "Dera Ghazi Khan", "Punjab", "Sindh", "Quetta", "قصور"]
    with database.session() as session:
        everything = list(session.scalars(select(ServiceListing)))
        for service_type in (None, *SERVICE_TYPES):
            for name in places:
                place = GAZETTEER.resolve(name) if name else None
                wanted = service_type or "helpline"
                exact = {
                    listing.id
                    for listing in everything
                    if listing.status == "verified"
                    and not listing.emergency
                    and listing.next_check_due is not None
                    and listing.next_check_due >= TODAY
                    and wanted in listing.service_types
                    and nearness(listing, place) is not None
                }
                found = find_listings(session, service_type, place, today=TODAY, include_demo=True)
                assert {listing.id for listing in found} == exact, (service_type, name)
