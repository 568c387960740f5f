"""The privacy notice, the consent choice and erasure through the real actions (SAFETY.md
rules 5, 11)."""

from __future__ import annotations

from tests.auxil.dialogue import Dialogue, keys


def test_privacy_is_explained_before_consent() -> None:
    """Rule 5: what is kept, for how long, who sees it, before anything is kept."""
    dialogue = Dialogue()
    dialogue.say("greet")
    replies = dialogue.say("affirm")
    assert keys(replies) == ["privacy.notice", "consent.ask"]
    assert replies[0].params == {"days": 30}


def test_delete_asks_and_only_the_gateway_choice_erases() -> None:
    """Rule 11: the intent path asks with the same choice as the DELETE keyword; "1" is
    answered by the gateway (even with the engine down), and a typed yes erases nothing."""
    dialogue = Dialogue()
    dialogue.onboard()
    asked = dialogue.say("delete_data")
    assert keys(asked) == ["delete.ask"]
    assert asked[0].options[0].payload == "!erase" and asked[0].zero.payload == "!keep"  # type: ignore[union-attr]
    replies = dialogue.say("affirm")
    assert not any(message.erase for message in replies)
