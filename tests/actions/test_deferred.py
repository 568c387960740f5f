"""A request made before onboarding finished is answered right after it."""

from __future__ import annotations

import pytest

from actions.content import load_info
from actions.deferred import HANDLERS, deferrable
from tests.auxil.dialogue import Dialogue, keys


def test_the_requests_kept_through_onboarding() -> None:
    assert set(HANDLERS) == {
        "find_service", "inform", "request_human", "privacy_info", "delete_data", "bot_challenge",
    }  # fmt: skip
    assert all(deferrable(intent) for intent in load_info().intents)
    assert not any(deferrable(intent) for intent in ("greet", "affirm", "deny", "skip", None))


@pytest.mark.parametrize("intent", sorted(load_info().intents))
def test_an_information_request_before_onboarding_gets_its_own_topic(intent: str) -> None:
    """Asked about rights (or marriage, or a shelter) on first contact: after consent the
    answer is that topic, not the overview the final "yes" would have asked for."""
    info = load_info()
    dialogue = Dialogue()
    dialogue.say(intent)
    dialogue.say("affirm")
    replies = dialogue.say("affirm")
    assert keys(replies)[:2] == ["consent.given", info.topics[info.intents[intent]].text]


@pytest.mark.parametrize(
    ("intent", "answered"),
    [
        ("request_human", "handoff.ask_consent"),
        ("delete_data", "delete.ask"),
        ("bot_challenge", "bot.challenge"),
        ("greet", "menu.main"),  # nothing kept: the main menu
    ],
)
def test_a_request_before_onboarding_is_answered_after_consent(intent: str, answered: str) -> None:
    dialogue = Dialogue()
    assert keys(dialogue.say(intent)) == ["welcome.intro", "welcome.languages", "safety.ask"]
    dialogue.say("affirm")
    replies = dialogue.say("affirm")
    assert keys(replies)[:2] == ["consent.given", answered]
    assert dialogue.slots["onboarding"] == "done" and dialogue.slots["deferred_intent"] is None
