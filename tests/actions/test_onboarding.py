"""First contact through the real actions (no engine): what this is, language, safety,
consent, and the request made before it (SAFETY.md rules 1, 2, 16)."""

from __future__ import annotations

from tests.auxil.dialogue import Dialogue, keys


def test_first_reply_says_what_this_is_then_asks_language() -> None:
    """Rule 1: the first reply is the introduction (automated, not police, 15 and 1122)."""
    replies = Dialogue().say("find_service", "I need a lawyer in Multan", service_type="legal_aid")
    assert keys(replies) == ["welcome.intro", "language.ask"]


def test_language_menu_offers_each_catalog_in_its_own_language() -> None:
    replies = Dialogue().say("greet", "salam")
    menu = replies[-1]
    assert [o.in_language for o in menu.options] == ["en", "ur", "ur_Latn"]
    assert menu.zero is not None


def test_safety_is_asked_before_anything_else_and_offers_later() -> None:
    """Rule 2."""
    dialogue = Dialogue()
    dialogue.say("greet")
    replies = dialogue.choose("2")  # اردو
    assert keys(replies) == ["language.changed", "safety.ask"]
    assert replies[0].set_language == "ur"
    assert "option.later" in [o.key for o in replies[1].options]


def test_later_ends_politely_and_asks_again_next_time() -> None:
    dialogue = Dialogue()
    dialogue.say("greet")
    dialogue.choose("1")
    assert keys(dialogue.choose("2")) == ["safety.later"]
    assert keys(dialogue.say("greet", "hi again")) == ["safety.ask"]


def test_a_first_request_is_answered_right_after_onboarding() -> None:
    dialogue = Dialogue()
    dialogue.say(
        "find_service", "I need a lawyer in Multan", service_type="legal_aid", location="Multan"
    )
    dialogue.choose("1")
    dialogue.say("affirm")
    replies = dialogue.say("affirm")
    assert keys(replies)[:2] == ["consent.given", "service.results_near"]
    assert replies[1].params == {"place": "Multan"}


def test_language_can_change_any_time() -> None:
    """Rule 16."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("change_language", "urdu please", language="ur")
    assert replies[0].set_language == "ur"
    assert keys(dialogue.say("change_language", "zuban badlo")) == ["language.ask"]
    replies = dialogue.choose("3")
    assert replies[0].set_language == "ur_Latn"


def test_first_message_naming_a_language_still_gets_the_intro() -> None:
    replies = Dialogue().say("change_language", "urdu", language="ur")
    assert keys(replies) == ["language.changed", "welcome.intro", "safety.ask"]
