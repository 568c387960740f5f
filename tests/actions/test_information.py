"""Information in short steps with numbered choices (SAFETY.md rules 7, 9, 15)."""

from __future__ import annotations

import pytest

from actions.content import ACTION_CHOICES, load_info
from actions.information import ACTION_OPTIONS
from bot.wording.messages import MAX_OPTIONS
from tests.auxil.dialogue import Dialogue


@pytest.mark.parametrize("intent", sorted(load_info().intents))
def test_information_in_short_steps_with_numbered_choices(intent: str) -> None:
    """Rule 7 and 9: at most four choices plus 0; one question per message."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say(intent)
    assert [m.is_menu for m in replies] == [False, True]
    assert 1 <= len(replies[1].options) <= MAX_OPTIONS and replies[1].zero is not None
    first = replies[1].options[0]
    deeper = dialogue.choose("1")
    assert deeper[0].key.startswith("info.") == ("topic" in first.payload)


def test_reporting_is_one_option_among_several() -> None:
    """Rule 15: police, FIA, courts and a person are choices; nothing reports on its own."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("ask_reporting")
    option_keys = [o.key for o in replies[1].options]
    assert option_keys == [
        "option.topic.police",
        "option.topic.fia",
        "option.topic.court",
        "option.request_human",
    ]


def test_topic_entity_jumps_inside_a_flow() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    assert (
        dialogue.say("ask_rights", "passport", topic="id_documents")[0].key
        == "info.rights.id_documents"
    )


def test_every_choice_besides_a_topic_has_its_option() -> None:
    assert set(ACTION_OPTIONS) == set(ACTION_CHOICES)
