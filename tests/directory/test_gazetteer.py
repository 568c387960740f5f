"""The gazetteer: districts and provinces in three scripts, with typos."""

from __future__ import annotations

import pytest

from tests.directory.conftest import GAZETTEER


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
