"""The directory as the actions read it, from the gateway's database on every request."""

from __future__ import annotations

from actions.directory import as_listings, helplines, search


def test_with_nothing_of_that_kind_helplines_answer_with_the_emergency_numbers() -> None:
    found, emergency = search("no such kind of help", None)
    assert found and [item.id for item in found] == [item.id for item in helplines()]
    assert [item.phones[0] for item in emergency] == ["15", "1122"]


def test_a_listing_shows_its_first_number() -> None:
    found, _ = search("legal_aid", None)
    shown = as_listings(found[:1])
    assert shown[0].phone == found[0].phones[0] and shown[0].names == found[0].names
