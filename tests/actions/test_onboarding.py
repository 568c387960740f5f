"""First contact through the real actions (no engine): what this is, the languages, safety,
consent, and the request made before it (SAFETY.md rules 1, 2, 16)."""

from __future__ import annotations

from tests.auxil.dialogue import Dialogue, keys


def test_first_reply_says_what_this_is_names_the_languages_then_asks_if_safe() -> None:
    """Rules 1, 2 and 16: the introduction (automated, not police, 15 and 1122), the words
    that switch language, then whether it is safe to talk: no language menu first (issue 19:
    that menu cost a whole exchange of SMS)."""
    replies = Dialogue().say("find_service", "I need a lawyer in Multan", service_type="legal_aid")
    assert keys(replies) == ["welcome.intro", "welcome.languages", "safety.ask"]


def test_the_language_menu_offers_each_catalog_by_name() -> None:
    dialogue = Dialogue()
    dialogue.say("greet", "salam")
    menu = dialogue.say("change_language", "zaban")[-1]
    assert menu.key == "language.ask"
    assert [o.payload for o in menu.options] == [
        '/change_language{"language": "en"}',
        '/change_language{"language": "ur"}',
        '/change_language{"language": "ur_Latn"}',
    ]
    assert menu.zero is not None


def test_safety_is_asked_before_anything_else_and_offers_later() -> None:
    """Rule 2; a language chosen at that question asks it again in that language."""
    dialogue = Dialogue()
    assert keys(dialogue.say("greet"))[-1] == "safety.ask"
    replies = dialogue.say("change_language", "urdu", language="ur")
    assert keys(replies) == ["language.changed", "safety.ask"]
    assert replies[0].set_language == "ur"
    assert "option.later" in [o.key for o in replies[1].options]


def test_later_ends_politely_and_asks_again_next_time() -> None:
    dialogue = Dialogue()
    dialogue.say("greet")
    assert keys(dialogue.choose("2")) == ["safety.later"]
    assert keys(dialogue.say("greet", "hi again")) == ["safety.ask"]


def test_after_an_emergency_at_first_contact_onboarding_names_the_languages() -> None:
    dialogue = Dialogue()
    dialogue.say("emergency", "help they are beating me")
    dialogue.choose("2")  # no person now
    replies = dialogue.say("greet", "hi")
    assert keys(replies)[-2:] == ["welcome.languages", "safety.ask"]


def test_a_first_request_is_answered_right_after_onboarding() -> None:
    dialogue = Dialogue()
    dialogue.say(
        "find_service", "I need a lawyer in Multan", service_type="legal_aid", location="Multan"
    )
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
