"""A request made before onboarding finished is answered right after it."""

from __future__ import annotations

import pytest

from actions.deferred import DEFERRABLE, HANDLERS
from tests.auxil.dialogue import Dialogue, keys


def test_the_requests_kept_through_onboarding() -> None:
    assert {
        "find_service", "inform", "request_human", "privacy_info", "delete_data",
        "ask_trafficking_info", "ask_bonded_labour_info", "ask_rights", "ask_reporting",
        "ask_job_offer", "bot_challenge",
    } == DEFERRABLE == set(HANDLERS)  # fmt: skip


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
    assert keys(dialogue.say(intent)) == ["welcome.intro", "language.ask"]
    dialogue.choose("1")
    dialogue.say("affirm")
    replies = dialogue.say("affirm")
    assert keys(replies)[:2] == ["consent.given", answered]
    assert dialogue.slots["onboarding"] == "done" and dialogue.slots["deferred_intent"] is None
