"""Finding a service through the real actions (SAFETY.md rules 3, 4)."""

from __future__ import annotations

import pytest

from tests.auxil.dialogue import Dialogue, keys


@pytest.mark.parametrize(
    ("language", "place"), [("en", "Multan"), ("ur", "ملتان"), ("ur_Latn", "Multan")]
)
def test_services_listed_in_the_persons_script(language: str, place: str) -> None:
    dialogue = Dialogue(language=language)
    dialogue.onboard()
    dialogue.language = language
    replies = dialogue.say(
        "find_service", "lawyer in multan", service_type="legal_aid", location="multan"
    )
    results = replies[0]
    assert results.key == "service.results_near"
    assert results.params["place"] == place
    phones = [item.phone for item in results.listings]
    # Province before national, and the emergency numbers always come with the answer.
    assert phones[0] == "1043"
    assert phones[-2:] == ["15", "1122"]


def test_asks_only_what_is_missing() -> None:
    """Rule 4: only kind of help and district; each asked once, each skippable."""
    dialogue = Dialogue()
    dialogue.onboard()
    assert keys(dialogue.say("find_service", "I need help")) == ["service.ask_type"]
    assert keys(dialogue.choose("1")) == ["service.ask_location"]
    replies = dialogue.say("inform", "kasur", location="kasur")
    assert replies[0].key == "service.results_near"
    assert replies[0].params == {"place": "Kasur"}


def test_skipping_everything_still_reaches_numbers_and_services() -> None:
    """Rule 3: "skip" to every question still gives emergency numbers and a service list."""
    dialogue = Dialogue()
    seen: list[str] = []
    for _ in range(8):
        seen += keys(dialogue.say("skip", "skip"))
    assert seen[0] == "welcome.intro"
    assert "service.results" in seen
    listings = [m for m in dialogue.last if m.listings] or []
    assert seen.count("welcome.intro") == 1
    assert listings or "service.results" in seen


def test_unknown_place_is_asked_once_then_national_services() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say(
        "find_service", "shelter in xyzzy", service_type="shelter", location="xyzzy"
    )
    assert keys(replies) == ["service.place_unknown"]
    replies = dialogue.say("inform", "qwerty", location="qwerty")
    assert replies[0].key == "service.results"


def test_ambiguous_place_offers_the_candidates() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("find_service", "doctor in dir", service_type="medical", location="dir")
    assert replies[0].key == "service.ask_which_place"
    assert [o.params["place"] for o in replies[0].options] == [
        "Upper Dir",
        "Lower Dir",
        "Central Dir",
    ]
    replies = dialogue.choose("2")
    assert replies[0].params == {"place": "Lower Dir"}


def test_more_services_pages_through_the_list() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("find_service", "helpline", service_type="helpline")
    replies = dialogue.say("skip")  # no district: national helplines
    assert replies[0].key == "service.results"
    assert len([x for x in replies[0].listings if x.phone not in ("15", "1122")]) == 3
    if replies[-1].key == "service.more_ask":
        more = dialogue.choose("1")
        assert more[0].key == "service.results"
