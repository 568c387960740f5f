"""An emergency wherever the conversation is (SAFETY.md rule 17)."""

from __future__ import annotations

import pytest

from tests.auxil.dialogue import Dialogue, keys


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


def test_an_emergency_that_names_a_topic_offers_it_after_the_person() -> None:
    """Issue 15: "what is vani" brings the emergency numbers (a danger phrase) and must
    still reach the information asked for: a third choice opens it."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("emergency", "/emergency", about="forced_marriage")
    offer = replies[-1]
    assert offer.key == "emergency.offer_person"
    assert [o.payload for o in offer.options][:2] == ["/affirm", "/deny"]
    assert offer.options[2].key == "option.topic.forced_marriage"
    assert keys(dialogue.choose("3"))[0] == "info.forced_marriage"
    plain = dialogue.say("emergency", "/emergency")
    assert len(plain[-1].options) == 2
