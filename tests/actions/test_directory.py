"""The directory as the actions read it, from the gateway's database on every request."""

from __future__ import annotations

from actions.directory import as_listings, helplines, search
from bot.config import get_settings
from bot.directory import load_gazetteer


def test_with_nothing_of_that_kind_helplines_answer_with_the_emergency_numbers() -> None:
    referral = search("no such kind of help", None)
    assert referral.found and [i.id for i in referral.found] == [i.id for i in helplines()]
    assert [item.phones[0] for item in referral.emergency] == ["15", "1122"]
    assert not referral.local and not referral.empty


def test_a_listing_shows_its_first_number() -> None:
    found = search("legal_aid", None).found
    shown = as_listings(found[:1])
    assert shown[0].phone == found[0].phones[0] and shown[0].names == found[0].names


def test_local_means_the_persons_district_or_province_not_the_whole_country() -> None:
    multan = load_gazetteer(get_settings().gazetteer_file).resolve("multan")
    assert search("legal_aid", multan).local  # the Punjab women's line
    assert not search("legal_aid", None).local
