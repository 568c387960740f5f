"""The gazetteer: districts and provinces in three scripts, with typos."""

from __future__ import annotations

import pytest

from bot.directory.gazetteer import PLACE_SEARCH_CHARACTERS
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


def test_only_the_beginning_of_a_long_message_is_searched() -> None:
    """PLACE_SEARCH_CHARACTERS (review F19m): a place named early is found in a message of
    any length; one named after them is not, and a word cut at the limit is left out."""
    filler = " mujhe bahut dar lag raha hai" * 150
    early = GAZETTEER.find_in("main multan se hoon" + filler)
    assert early is not None and early.district is not None and early.district.name == "Multan"
    assert GAZETTEER.find_in(filler + " main multan se hoon") is None
    cut = "x" * (PLACE_SEARCH_CHARACTERS - 6) + " multanabad"  # "multa|nabad" at the limit
    assert GAZETTEER.resolve("multa") is not None  # half a word would have looked like Multan
    assert GAZETTEER.find_in(cut) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "میرا کوئی قصور نہیں",  # "it's not my fault"
        "mera koi qasoor nahi",
        "mera kya kasur hai",
        "is mein mera koi qusoor nahi tha",
        "usne kaha tank bhar do",  # "fill the tank"
        "mujhe hub nahi chahiye",
        "کرم کریں مدد کریں",  # "have mercy, help"
    ],
)
def test_an_ordinary_word_in_a_sentence_is_not_a_district(sentence: str) -> None:
    """Issue 15: 'not my fault' was read as Kasur; a word that is also a district's name
    (needs_context in the gazetteer) is a place only next to a word that says "place"."""
    place = GAZETTEER.find_in(sentence)
    assert place is None or place.district is None or place.district.name not in {
        "Kasur", "Tank", "Hub", "Kurram",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "district"),
    [
        ("main kasur se hoon", "Kasur"),
        ("ضلع قصور", "Kasur"),
        ("قصور میں ہوں", "Kasur"),
        ("kasur", "Kasur"),  # the whole message: an answer to "which district?"
        ("from tank district", "Tank"),
        ("mujhe bagh mein rakha hai", "Bagh"),
    ],
)
def test_the_same_word_next_to_a_place_word_is_the_district(sentence: str, district: str) -> None:
    place = GAZETTEER.find_in(sentence)
    assert place is not None and place.district is not None
    assert place.district.name == district


@pytest.mark.parametrize(
    ("sentence", "country"),
    [
        ("dubai", "United Arab Emirates"),
        ("I am stuck in Riyadh", "Saudi Arabia"),
        ("jeddah se bol rahi hoon", "Saudi Arabia"),
        ("ریاض میں ہوں", "Saudi Arabia"),
        ("سعودی عرب", "Saudi Arabia"),
        ("doha", "Qatar"),
        ("muscat mein", "Oman"),
        ("kuwait", "Kuwait"),
        ("manama", "Bahrain"),
        ("malaysia mein kaam", "Malaysia"),
    ],
)
def test_the_gulf_and_malaysia_are_places_abroad(sentence: str, country: str) -> None:
    place = GAZETTEER.find_in(sentence)
    assert place is not None and place.country is not None
    assert place.country.name == country
    assert place.district is None


def test_riaz_is_a_name_not_riyadh_without_a_place_word() -> None:
    assert GAZETTEER.find_in("ریاض نے مجھے بند رکھا ہے") is None  # "Riaz locked me in"
    assert GAZETTEER.find_in("riaz bhai ne passport le liya") is None
