"""An emergency, wherever the conversation is (SAFETY.md rule 17): it comes before onboarding.

The numbers go in the very next reply, with the offer of a person; a yes to that offer opens
the handoff at once (`handoff.accept_urgent_handoff`).
"""

from __future__ import annotations

from actions.menus import NO, SKIP, YES
from actions.state import OnboardingStep, Pending
from actions.turn import Turn
from bot.conversation.danger import SELF_HARM  # the kind of emergency the gateway's lexicon names


def emergency(turn: Turn) -> None:
    """Emergency numbers in the very next reply, and the offer of a person (rule 17)."""
    if OnboardingStep.read(turn.slot("onboarding")) is None:
        turn.say("welcome.intro")  # says what this is, and gives 15 and 1122
        turn.set(onboarding=OnboardingStep.LANGUAGE)
    else:
        turn.say("emergency.numbers")
    if turn.entity("topic") == SELF_HARM:
        turn.say("emergency.self_harm")  # a mental-health line, someone to talk to now
    turn.say("emergency.offer_person", options=[YES, NO], zero=SKIP)
    turn.set(pending=Pending.HANDOFF_URGENT)
