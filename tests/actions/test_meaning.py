"""Unsure between two meanings: ask which, with both as numbered choices (issue 16)."""

from __future__ import annotations

import pytest

from actions.meaning import offerable
from bot.conversation.unsure import MIN_TOGETHER, names_emergency, two_meanings
from tests.auxil.dialogue import Dialogue, keys


def _ranking(*pairs: tuple[str, float]) -> list[dict[str, object]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_two_close_meanings_that_can_be_offered_are_asked() -> None:
    ranking = _ranking(("nlu_fallback", 0.45), ("find_service", 0.35), ("ask_legal_aid", 0.31))
    assert two_meanings(ranking, offerable()) == ("find_service", "ask_legal_aid")


@pytest.mark.parametrize(
    "ranking",
    [
        _ranking(("find_service", 0.3), ("delete_data", 0.29)),  # never offered on a guess
        _ranking(("find_service", 0.2), ("ask_legal_aid", 0.2)),  # too little belief in both
        _ranking(("affirm", 0.4), ("deny", 0.38)),  # not a request with a menu label
        _ranking(("find_service", 0.9)),
    ],
)
def test_otherwise_the_usual_menu(ranking: list[dict[str, object]]) -> None:
    assert two_meanings(ranking, offerable()) is None
    assert MIN_TOGETHER > 0.4


def test_unsure_with_danger_among_the_two_is_an_emergency() -> None:
    assert names_emergency(
        _ranking(("nlu_fallback", 0.5), ("find_service", 0.3), ("emergency", 0.28))
    )
    assert not names_emergency(
        _ranking(("find_service", 0.3), ("ask_rights", 0.2), ("emergency", 0.1))
    )


def test_the_person_picks_one_and_gets_its_answer() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    [asked] = dialogue.say_unsure(
        [("nlu_fallback", 0.5), ("ask_legal_aid", 0.33), ("find_service", 0.3)]
    )
    assert asked.key == "fallback.which"
    assert [o.key for o in asked.options] == ["option.topic.legal_aid", "option.find_service"]
    assert asked.zero is not None
    assert keys(dialogue.choose("1"))[0] == "info.legal_aid"


def test_unsure_about_danger_gets_the_numbers_and_a_person() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say_unsure(
        [("nlu_fallback", 0.5), ("find_service", 0.3), ("emergency", 0.29)]
    )
    assert keys(replies) == ["emergency.numbers", "emergency.offer_person"]


def test_unsure_otherwise_gets_the_menu_as_before() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say_unsure([("nlu_fallback", 0.5), ("affirm", 0.2), ("greet", 0.2)])
    assert keys(replies) == ["fallback.first"]


def test_erasing_is_asked_about_only_on_a_sure_reading() -> None:
    """Issue 16: no confusion with delete_data. "Delete everything?" comes only when the
    model is sure; an unsure delete_data reading is handled like any unsure message."""
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.confidence = 0.32  # 'a marriage to end a feud', read as delete_data
    dialogue.ranking = [("delete_data", 0.32), ("ask_forced_marriage", 0.3), ("ask_rights", 0.2)]
    replies = dialogue.say("delete_data", "...")
    assert "delete.ask" not in keys(replies)
    assert [o.key for o in replies[-1].options][:2] == [
        "option.topic.forced_marriage", "option.topic.rights"
    ]  # fmt: skip
    dialogue.confidence, dialogue.ranking = 0.98, []
    assert keys(dialogue.say("delete_data", "meri chat delete kar do")) == ["delete.ask"]


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("mujhe samajh nahi aa raha aap kya keh rahe hain", "ur_Latn"),
        ("مجھے آپ کی بات سمجھ نہیں آئی", "ur"),
    ],
)
def test_not_understood_and_clearly_in_another_language_offers_it(text: str, offered: str) -> None:
    """Issue 16: when later messages are clearly in another language, offer the switch."""
    dialogue = Dialogue(language="en")
    dialogue.onboard()
    dialogue.language = "en"
    [offer] = dialogue.say_unsure([("nlu_fallback", 0.9)], text)
    assert offer.key == "language.offer_switch"
    assert [o.payload for o in offer.options] == [
        f'/change_language{{"language": "{offered}"}}',
        '/change_language{"language": "en"}',
    ]
    assert keys(dialogue.choose("1"))[0] == "language.changed"


@pytest.mark.parametrize("text", ["what do you mean", "ok", "lahore"])
def test_not_understood_in_the_same_language_or_too_short_to_tell_gets_the_menu(text: str) -> None:
    dialogue = Dialogue(language="en")
    dialogue.onboard()
    dialogue.language = "en"
    assert keys(dialogue.say_unsure([("nlu_fallback", 0.9)], text)) == ["fallback.first"]


def test_a_message_not_understood_carries_the_models_own_guesses() -> None:
    """So that the gateway can keep it for editors (with consent): the first reply says so,
    without the fallback's own name, and an emergency or an answer does not."""
    dialogue = Dialogue()
    dialogue.onboard()
    asked = dialogue.say_unsure(
        [("nlu_fallback", 0.5), ("ask_legal_aid", 0.33), ("find_service", 0.3)]
    )
    assert asked[0].unrecognised == (("ask_legal_aid", 0.33), ("find_service", 0.3))
    menu = dialogue.say_unsure([("nlu_fallback", 0.5), ("affirm", 0.2), ("greet", 0.2)])
    assert menu[0].unrecognised == (("affirm", 0.2), ("greet", 0.2))
    danger = dialogue.say_unsure(
        [("nlu_fallback", 0.5), ("find_service", 0.3), ("emergency", 0.29)]
    )
    assert all(reply.unrecognised is None for reply in danger)
    assert all(reply.unrecognised is None for reply in dialogue.choose("0"))
