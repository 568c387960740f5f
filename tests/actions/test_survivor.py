"""The gate every action goes through: what an answer means, whatever the model predicted."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import Contact, Database, Ticket
from tests.auxil.dialogue import Dialogue, keys


def test_a_place_typed_without_tag_is_understood_when_asked_for() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("find_service", "I need a doctor", service_type="medical")
    replies = dialogue.say("out_of_scope", "main faislabad se hun")
    assert replies[0].params == {"place": "Faisalabad"}


def test_in_danger_asking_for_help_in_a_sentence_is_a_yes_even_before_onboarding(
    database: Database,
) -> None:
    """Rule 17: offered a person, "please help me" opens the handoff at once, from any step."""
    with database.session() as session:
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))
    dialogue = Dialogue()
    assert keys(dialogue.say("emergency", "mujhe bachao"))[-1] == "emergency.offer_person"
    replies = dialogue.say("find_service", "please help me")
    assert keys(replies)[0] == "handoff.requested" and dialogue.paused
    with database.session() as session:
        assert session.scalars(select(Ticket)).one().urgent


def test_an_answer_to_onboarding_goes_on_with_it_and_anything_else_asks_it_again() -> None:
    dialogue = Dialogue()
    dialogue.say("greet")
    assert keys(dialogue.say("thank")) == ["safety.ask"]  # not the thanks: onboarding first
    assert keys(dialogue.say("affirm")) == ["privacy.notice", "consent.ask"]
