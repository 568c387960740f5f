"""An emergency, wherever the conversation is (SAFETY.md rule 17): it comes before onboarding.

The numbers go in the very next reply, with the offer of a person; a yes to that offer opens
the handoff at once (`handoff.accept_urgent_handoff`).
"""

from __future__ import annotations

from actions.content import load_info
from actions.menus import NO, SKIP, YES, payload
from actions.state import OnboardingStep, Pending
from actions.turn import Turn
from bot.conversation.danger import SELF_HARM  # the kind of emergency the gateway's lexicon names
from bot.wording.messages import Option


def emergency(turn: Turn) -> None:
    """Emergency numbers in the very next reply, and the offer of a person (rule 17)."""
    if OnboardingStep.read(turn.slot("onboarding")) is None:
        turn.say("welcome.intro")  # says what this is, and gives 15 and 1122
        turn.set(onboarding=OnboardingStep.LANGUAGE)
    else:
        turn.say("emergency.numbers")
    if turn.entity("topic") == SELF_HARM:
        turn.say("emergency.self_harm")  # a mental-health line, someone to talk to now
    turn.say("emergency.offer_person", options=[YES, NO, *_about(turn)], zero=SKIP)
    turn.set(pending=Pending.HANDOFF_URGENT)


def offer_again(turn: Turn) -> None:
    """In danger and offered a person, they changed language: the numbers and the offer
    again, now in the language they can read (rule 17: the offer must not be lost)."""
    turn.say("emergency.numbers")
    turn.say("emergency.offer_person", options=[YES, NO], zero=SKIP)
    turn.set(pending=Pending.HANDOFF_URGENT)


def _about(turn: Turn) -> list[Option]:
    """The information a message in danger names ("what is vani", "they want my kidney"),
    as a third choice after the person: danger words must not hide the answer they asked."""
    info, topic = load_info(), turn.entity("about")
    if topic not in info.topics:
        return []
    return [Option(info.topics[topic].label, payload(info.intent_for(topic), topic=topic))]
