"""An emergency wherever the conversation is (SAFETY.md rule 17)."""

from __future__ import annotations

import pytest

from tests.auxil.dialogue import Dialogue


@pytest.mark.parametrize("stage", ["new", "language", "safety", "consent", "done", "menu"])
def test_emergency_numbers_in_the_very_next_reply_wherever_the_conversation_is(stage: str) -> None:
    """Rule 17: emergency numbers at once, and the offer of a person."""
    dialogue = Dialogue()
    steps = {
        "language": [("greet", None)],
        "safety": [("greet", None), ("choose", "1")],
        "consent": [("greet", None), ("choose", "1"), ("affirm", None)],
        "done": [("greet", None), ("choose", "1"), ("affirm", None), ("affirm", None)],
        "menu": [
            ("greet", None),
            ("choose", "1"),
            ("affirm", None),
            ("affirm", None),
            ("find_service", None),
        ],
    }.get(stage, [])
    for intent, digit in steps:
        dialogue.choose(digit) if intent == "choose" else dialogue.say(intent)
    replies = dialogue.say("emergency", "mujhe bachao")
    assert replies[0].key in ("welcome.intro", "emergency.numbers")
    assert replies[-1].key == "emergency.offer_person"
