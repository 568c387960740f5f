"""The gazetteer and the referral rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.directory import emergency_listings, find_listings, load_gazetteer
from bot.directory.curation import has_demo_listings, seed_demo, set_status, verify
from bot.store import Database, ListingChange, ServiceListing

GAZETTEER = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
TODAY = date.today()


@pytest.mark.parametrize(
    ("written", "district"),
    [
        ("Lahore", "Lahore"), ("lahor", "Lahore"), ("LHR", "Lahore"), ("لاہور", "Lahore"),
        ("لاھور", "Lahore"), ("ملتان میں", "Multan"), ("multaan", "Multan"), ("pindi", "Rawalpindi"),
        ("faislabad", "Faisalabad"), ("peshwar", "Peshawar"), ("Kasur", "Kasur"), ("قصور", "Kasur"),
        ("karachi", "Karachi"), ("lahore mein", "Lahore"), ("kasur se", "Kasur"),
    ],
)  # fmt: skip
def test_districts_in_three_spellings_and_with_typos(written: str, district: str) -> None:
    place = GAZETTEER.resolve(written)
    assert place is not None and place.district is not None
    assert place.district.name == district


def test_ambiguous_names_give_candidates() -> None:
    place = GAZETTEER.resolve("dir")
    assert place is not None and place.candidates == ("Upper Dir", "Lower Dir", "Central Dir")


def test_provinces_and_nonsense() -> None:
    place = GAZETTEER.resolve("KPK")
    assert place is not None and place.province == "Khyber Pakhtunkhwa"
    assert GAZETTEER.resolve("xyzzy") is None
    assert GAZETTEER.resolve("ab") is None


def test_every_district_of_the_seed_is_known() -> None:
    assert len(GAZETTEER.districts) >= 150


def test_places_in_a_sentence() -> None:
    place = GAZETTEER.find_in("main rahim yar khan se hoon")
    assert place is not None and place.district is not None
    assert place.district.name == "Rahim Yar Khan"


def add_listing(db: Database, listing_id: str, **fields: object) -> None:
    values: dict[str, object] = {
        "names": {"en": listing_id}, "service_types": ["shelter"], "scope": "national",
        "phones": ["042-1234567"], "status": "verified", "verified_by": "Test Verifier",
        "next_check_due": TODAY + timedelta(days=30), **fields,
    }  # fmt: skip
    with db.session() as session:
        session.add(ServiceListing(id=listing_id, **values))


def ids(
    db: Database, service_type: str | None, place: str | None, include_demo: bool = True
) -> list[str]:
    where = GAZETTEER.resolve(place) if place else None
    with db.session() as session:
        return [
            x.id
            for x in find_listings(
                session, service_type, where, today=TODAY, include_demo=include_demo
            )
        ]


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


def test_demo_listings_only_outside_production(database: Database) -> None:
    with database.session() as session:
        assert has_demo_listings(session)
    assert ids(database, "legal_aid", "Multan", include_demo=True)
    assert ids(database, "legal_aid", "Multan", include_demo=False) == []


def test_seed_marks_unconfirmed_entries_as_draft(database: Database) -> None:
    with database.session() as session:
        assert session.get(ServiceListing, "fia-general-helpline").status == "draft"  # type: ignore[union-attr]
    assert "fia-general-helpline" not in ids(database, "police", None)


def test_emergency_numbers_come_from_the_directory(database: Database) -> None:
    with database.session() as session:
        phones = [x.phones[0] for x in emergency_listings(session, today=TODAY, include_demo=True)]
    assert phones == ["15", "1122"]


def test_a_changed_seed_refreshes_a_demo_directory_but_never_a_real_one(
    database: Database, tmp_path: Path
) -> None:
    """A neutral name added to the seed reaches a developer's demo listings (rule 12),
    once; a directory with a real listing is left alone."""
    gazetteer = load_gazetteer(ROOT / "data/seed/districts_pk.yaml")
    seed = tmp_path / "services.yaml"
    seed.write_text((ROOT / "data/seed/services_pk.yaml").read_text(encoding="utf-8"))
    today = date.today()
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 0  # already as the seed says
    text = seed.read_text(encoding="utf-8").replace("Police emergency", "Police (emergency)")
    seed.write_text(text, encoding="utf-8")
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 1
        assert session.get(ServiceListing, "police-emergency").names["en"] == "Police (emergency)"  # type: ignore[union-attr]
        session.get(ServiceListing, "police-emergency").demo = False  # type: ignore[union-attr]
    seed.write_text(text.replace("Police (emergency)", "Police"), encoding="utf-8")
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 0
