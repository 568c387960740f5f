"""affirm / deny / skip, read against the question pending."""

from __future__ import annotations

from actions.answers import ANSWERS
from actions.state import Pending
from tests.auxil.dialogue import Dialogue, keys


def test_every_question_has_a_reader() -> None:
    assert set(ANSWERS) == set(Pending)


def test_an_answer_to_an_unknown_question_gets_the_main_menu() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.slots["pending"] = "a question an older version asked"
    assert keys(dialogue.say("affirm")) == ["menu.main"]
    assert dialogue.slots["pending"] == "main_menu"


def test_an_answer_after_information_gets_the_main_menu() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("ask_rights")
    assert dialogue.slots["pending"] == "info"
    assert keys(dialogue.say("deny")) == ["menu.main"]
