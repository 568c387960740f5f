"""First contact (SAFETY.md rules 1, 2, 5, 16): what this is, safety, consent.

The conversation starts in the language the person wrote in; the introduction names the
words that switch to the others (URDU, ROMAN, ENGLISH: content/keywords.yml), which work
at any time, and LANGUAGE brings the menu.

Onboarding comes before everything but an emergency; a request made before onboarding
finished is remembered and answered right after it (`deferred`).
"""

from __future__ import annotations

from actions.content import available_languages
from actions.deferred import answer_deferred, deferrable
from actions.emergency import offer_again
from actions.menus import SKIP, main_menu, payload
from actions.privacy import ask_consent
from actions.state import Answer, OnboardingStep, Pending
from actions.turn import Turn
from bot.wording.messages import Option


def ask_language(turn: Turn) -> None:
    """Each language by its own name; in Latin letters unless the conversation is in Urdu
    script already, since one Urdu letter makes the whole SMS cost UCS-2 (70 characters
    a segment instead of 160) for everyone who reads the menu."""
    key = "language.name" if turn.language == "ur" else "language.name_latin"
    options = [
        Option(key, payload("change_language", language=code), in_language=code)
        for code in available_languages()[:4]
    ]
    turn.say("language.ask", options=options, zero=SKIP)
    turn.set(pending=Pending.LANGUAGE)


def ask_safety(turn: Turn) -> None:
    turn.say(
        "safety.ask",
        options=[Option("option.safe_now", "/affirm"), Option("option.later", "/deny")],
        zero=SKIP,
    )
    turn.set(onboarding=OnboardingStep.SAFETY, pending=Pending.SAFETY)


def continue_onboarding(turn: Turn) -> None:
    """Someone wrote something else while onboarding: keep their request, ask what's next."""
    if deferrable(turn.intent):
        turn.set(deferred_intent=turn.intent)
    match OnboardingStep.read(turn.slot("onboarding")):
        case None:
            # The language is the one they wrote in (the gateway guessed it); the introduction
            # says how to switch instead of a menu, which cost a whole exchange of SMS.
            turn.say("welcome.intro")
            turn.say("welcome.languages")
            ask_safety(turn)
        case OnboardingStep.LANGUAGE:
            turn.say("welcome.languages")  # after an emergency at first contact
            ask_safety(turn)
        case OnboardingStep.SAFETY:
            ask_safety(turn)
        case _:
            ask_consent(turn)


def finish_onboarding(turn: Turn) -> None:
    turn.set(onboarding=OnboardingStep.DONE)
    deferred = turn.slot("deferred_intent")
    turn.set(deferred_intent=None)
    if not answer_deferred(turn, deferred):
        main_menu(turn)


def choose_language(turn: Turn, code: str | None, pending: Pending | None = None) -> None:
    if code not in available_languages():
        ask_language(turn)
        return
    turn.say("language.changed", set_language=code)
    if pending is Pending.HANDOFF_URGENT:
        offer_again(turn)  # in danger, offered a person: that offer comes first
        return
    match OnboardingStep.read(turn.slot("onboarding")):
        case None:
            turn.say("welcome.intro")  # the first reply always says what this is (rule 1)
            ask_safety(turn)
        case OnboardingStep.LANGUAGE:
            ask_safety(turn)
        case OnboardingStep.DONE:
            main_menu(turn)
        case _:
            continue_onboarding(turn)


# -- answers to onboarding's questions -----------------------------------------------------


def answer_language(turn: Turn, said: Answer) -> None:
    choose_language(turn, turn.language)  # no choice: keep the one they write in


def answer_safety(turn: Turn, said: Answer) -> None:
    if said is Answer.NO:
        turn.say("safety.later")  # onboarding waits; they'll be asked again next time
    else:
        ask_consent(turn)


def answer_consent(turn: Turn, said: Answer) -> None:
    agreed = said is Answer.YES  # skipping keeps nothing, like a no
    turn.set(consent=agreed)
    turn.say("consent.given" if agreed else "consent.declined", consent=agreed)
    finish_onboarding(turn)
