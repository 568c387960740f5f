from __future__ import annotations

import pytest

from bot.config import ROOT
from bot.directory import load_directory, load_gazetteer

GAZETTEER = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
DIRECTORY = load_directory(ROOT / "data" / "seed" / "services_pk.yaml")


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


def test_ranking_is_province_before_national() -> None:
    found = DIRECTORY.find("legal_aid", GAZETTEER.resolve("Multan"))
    assert next(item.id for item in found) == "punjab-women-helpline-1043"
    assert {item.scope for item in found[1:]} == {"national"}


def test_other_provinces_listings_are_not_offered() -> None:
    found = DIRECTORY.find("helpline", GAZETTEER.resolve("Karachi"))
    assert "punjab-women-helpline-1043" not in [item.id for item in found]
    assert "sindh-child-protection-1121" in [item.id for item in found]


def test_unconfirmed_listings_never_reach_survivors() -> None:
    ids = {item.id for kind in [None, "police", "helpline"] for item in DIRECTORY.find(kind, None)}
    assert "fia-general-helpline" not in ids


def test_emergency_numbers() -> None:
    assert [item.phone for item in DIRECTORY.emergency()] == ["15", "1122"]
