"""The main menu and the fallback: never a dead end, at most four choices plus 0."""

from __future__ import annotations

from bot.wording.messages import MAX_OPTIONS
from tests.auxil.dialogue import Dialogue, keys


def test_never_i_dont_understand_twice_in_a_row() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    assert keys(dialogue.say("out_of_scope", "asdf")) == ["fallback.first"]
    assert keys(dialogue.say("nlu_fallback", "qwe")) == ["menu.what_i_can_do"]
    dialogue.say("thank")
    assert keys(dialogue.say("out_of_scope", "zzz")) == ["fallback.first"]


def test_fallback_is_never_a_dead_end() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("out_of_scope", "cricket score")
    assert replies[-1].is_menu and len(replies[-1].options) >= 3


def test_every_menu_respects_the_four_option_limit() -> None:
    dialogue = Dialogue()
    seen = dialogue.say("greet")
    for intent in [
        "affirm",
        "affirm",
        "affirm",
        "find_service",
        "skip",
        "skip",
        "request_human",
        "deny",
    ]:
        seen += dialogue.say(intent)
    assert all(len(m.options) <= MAX_OPTIONS for m in seen)
    assert all(m.zero is not None for m in seen if m.options)
