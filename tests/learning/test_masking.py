"""What is kept of a message the bot did not understand holds no number, no introduced name
and no place in Pakistan: as properties over generated messages, in the registers people
write in (SMS shorthand, code-mixing, Urdu script, no punctuation)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ROOT
from bot.conversation.said import Said
from bot.directory import load_gazetteer
from bot.learning.masking import NAME, NUMBER, PLACE, mask, still_identifying
from tests.auxil.fuzz import FUZZ, text

GAZETTEER = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
DIGIT = re.compile(r"[0-9٠-٩۰-۹]")

# Surrounding words, as people write them (not training data: nothing here is an example).
WORDS = st.sampled_from([
    "plz", "mjhe", "bht", "pareshan", "hun", "yr", "kya", "krun", "seth", "ne", "paise",
    "nahi", "diye", "bhai", "help", "me", "i", "cant", "go", "home", "مجھے", "مدد", "چاہیے",
    "کام", "پیسے", "nai", "wapas", "ghar", "jana", "hai", "ok", "sir", "ji",
])  # fmt: skip
DIGITS = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"])


@st.composite
def phone_number(draw: st.DrawFn) -> str:
    alphabet = draw(DIGITS)
    digits = draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=13))
    separators = draw(st.lists(st.sampled_from(["", " ", "-", ".", ""]), min_size=len(digits),
                               max_size=len(digits)))  # fmt: skip
    number = "".join(d + s for d, s in zip(digits, separators, strict=True)).strip(" -.")
    return draw(st.sampled_from(["", "+"])) + number


@st.composite
def message_with(draw: st.DrawFn, secret: st.SearchStrategy[str]) -> str:
    before = draw(st.lists(WORDS, max_size=6))
    after = draw(st.lists(WORDS, max_size=6))
    return " ".join([*before, draw(secret), *after])


@FUZZ
@given(message_with(phone_number()))
def test_no_digit_in_any_script_survives(message: str) -> None:
    masked = mask(message, GAZETTEER)
    assert not DIGIT.search(masked), masked
    assert NUMBER in masked


@FUZZ
@given(text)
def test_any_text_is_masked_without_error_and_keeps_no_digit(message: str) -> None:
    assert not DIGIT.search(mask(message, GAZETTEER))


DISTRICT_SPELLINGS = sorted(
    spelling
    for district in GAZETTEER.districts.values()
    for spelling in district.spellings
    if len(spelling) >= 4 and district.name not in {"Bagh", "Kasur"}  # ordinary words too
)


@FUZZ
@given(message_with(st.sampled_from(DISTRICT_SPELLINGS)))
def test_every_spelling_of_a_district_is_masked(message: str) -> None:
    masked = mask(message, GAZETTEER)
    assert PLACE in masked, masked


def test_names_after_an_introduction_are_masked_in_three_languages() -> None:
    assert mask("hi my name is Sana Bibi i need help", GAZETTEER) == (
        f"hi my name is {NAME} i need help"
    )
    assert mask("mera naam ayesha hai madad chahiye", GAZETTEER) == (
        f"mera naam {NAME} hai madad chahiye"
    )
    assert mask("میرا نام رضیہ ہے", GAZETTEER) == f"میرا نام {NAME} ہے"


def test_what_follows_a_cue_and_is_no_name_is_kept() -> None:
    assert mask("mera naam mat batana kisi ko", GAZETTEER) == "mera naam mat batana kisi ko"


def test_ordinary_words_and_countries_are_kept() -> None:
    """A country finds no one, and "stuck in Saudi" is what an editor must read."""
    kept = "my passport is with the agent in saudi and i cant come back"
    assert mask(kept, GAZETTEER) == kept


def test_addresses_are_masked() -> None:
    masked = mask("mail me at someone@example.com or t.me/someone @someone", GAZETTEER)
    assert "@" not in masked and "example" not in masked


def test_places_in_urdu_script_are_masked() -> None:
    assert mask("میں لاہور میں ہوں", GAZETTEER) == f"میں {PLACE} میں ہوں"


def test_every_spelling_of_every_district_is_masked_in_a_sentence() -> None:
    """All of them, not a sample: the longest ("mandi baha ud din") once slipped through."""
    missed = [s for s in DISTRICT_SPELLINGS if PLACE not in mask(f"plz {s} se hun", GAZETTEER)]
    assert missed == []


# What the adversarial review of issue 17 found getting through, and the secret in each.
LEAKS = [
    ("mera naam hai Sana", "Sana"), ("میرا نام ہے ثنا", "ثنا"), ("Mera Naam: Sana Bibi", "Sana"),
    ("Mera Naam: Sana Bibi", "Bibi"), ("میرا نام: ثنا", "ثنا"), ("mera naam, Sana", "Sana"),
    ("mera nam sana hai", "sana"), ("main sana hun lahore se", "sana"),
    ("mai Sana bol rahi hu", "Sana"), ("میں ثنا ہوں", "ثنا"), ("I am Sana", "Sana"),
    ("meri behn ka naam Ayesha hai", "Ayesha"), ("seth ka naam Aslam hai", "Aslam"),
    ("میرا نام ثنا بی بی ہے", "بی بی"), ("میرا نام محمد علی ہے", "علی"),
    ("mera naam sana khan hai", "khan"), ("zero three zero zero one two three", "three zero"),
    ("zero teen zero zero saat saat saat", "saat"), ("میرا نمبر صفر تین صفر صفر ایک دو تین", "صفر"),
    ("０３００１２３４５６７", "３"), ("𝟎𝟑𝟎𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕", "𝟑"), ("house no twelve street four", "twelve"),
    ("makan number barah gali number char", "barah"), ("sana.bibi @ gmail.com", "sana.bibi"),
    ("sana.bibi at gmail dot com", "gmail"), ("sana.bibi＠gmail.com", "sana"),
    ("t.me/sana_bibi", "sana"), ("fb.com/sana.bibi.786", "sana"), ("insta pe sana_bibi22", "sana"),
    ("telegram @sb", "@sb"), ("لاہور\u200cمیں ہوں", "لاہور"), ("karachi\u200cmein hun", "karachi"),
    ("Rawalpindi/Islamabad", "Rawalpindi"), ("Rawalpindi/Islamabad", "Islamabad"),
    ("lahore-walay seth", "lahore"), ("Faisalabd se", "Faisalabd"), ("gujranwla", "gujranwla"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "secret"), LEAKS)
def test_what_the_review_found_is_masked_now(message: str, secret: str) -> None:
    masked = mask(Said.of(message).text, GAZETTEER)
    assert secret.lower() not in masked.lower(), masked
    assert not still_identifying(masked)


@pytest.mark.parametrize(
    "kept", ["main pareshan hun", "i am scared and alone", "shadi ke naam pe bech diya",
             "mera naam mat batana kisi ko", "mujhe madad do please"],
)  # fmt: skip
def test_what_a_person_says_they_are_is_no_name(kept: str) -> None:
    assert mask(kept, GAZETTEER) == kept


def test_control_characters_never_reach_the_kept_text() -> None:
    assert mask("madad \x00 chahiye\x1b\x07", GAZETTEER) == "madad chahiye"


def test_an_address_masking_misses_keeps_nothing() -> None:
    assert still_identifying("likho mujhe sana dot bibi at gmail")
