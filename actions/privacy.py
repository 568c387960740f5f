"""Privacy (SAFETY.md rules 5, 11): the notice and the consent choice, and erasure.

Consent is the last question of onboarding, and can be asked for again at any time: people
may change their mind. Erasure is only ever done by the gateway, on its own "1" choice.
"""

from __future__ import annotations

from actions.menus import NO, SKIP, YES, main_menu
from actions.state import Answer, OnboardingStep, Pending
from actions.turn import Turn
from bot.config import get_settings
from bot.wording.messages import ERASE, KEEP


def ask_consent(turn: Turn) -> None:
    """What is kept, for how long, who sees it, before anything is kept (rule 5)."""
    turn.say("privacy.notice", days=get_settings().retention_days)
    turn.say("consent.ask", options=[YES, NO], zero=SKIP)
    turn.set(onboarding=OnboardingStep.CONSENT, pending=Pending.CONSENT)


def privacy(turn: Turn) -> None:
    """The notice again, and the choice again: people may change their mind (rule 5)."""
    onboarded = OnboardingStep.read(turn.slot("onboarding")) is OnboardingStep.DONE
    ask_consent(turn)
    if onboarded:
        turn.set(onboarding=OnboardingStep.DONE)  # asking again is not onboarding again


def ask_delete(turn: Turn) -> None:
    """Only "1" erases: the gateway answers the choice itself, even with the engine down."""
    turn.say("delete.ask", options=[ERASE], zero=KEEP)
    turn.set(pending=Pending.DELETE)


def answer_delete(turn: Turn, said: Answer) -> None:
    if said is Answer.YES:
        ask_delete(turn)  # a typed yes erases nothing: the choice is "1", asked again
    else:
        turn.say("delete.kept")
        main_menu(turn, "menu.next_main")
