"""A turn's slot changes go out as the plain values the domain and the model know."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.state import OnboardingStep, Pending
from actions.turn import Turn


def _tracker() -> Tracker:
    return Tracker("p_test", {}, {"intent": {"name": "greet"}}, [], False, None, {}, "")


def test_an_enum_slot_value_is_written_as_its_plain_string() -> None:
    turn = Turn(_tracker())
    turn.set(pending=Pending.MAIN_MENU, onboarding=OnboardingStep.DONE, consent=True)
    values = {event["name"]: event["value"] for event in turn.events()}
    assert values == {"pending": "main_menu", "onboarding": "done", "consent": True}
    assert type(values["pending"]) is str and type(values["onboarding"]) is str


def test_a_slot_reads_as_it_will_be_after_the_turn() -> None:
    turn = Turn(_tracker())
    assert turn.slot("pending") is None
    turn.set(pending=Pending.DELETE)
    assert turn.slot("pending") == "delete"
