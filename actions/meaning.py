"""A message the model could not place: ask which of two meanings, else the menu (issue 16).

Rasa's FallbackClassifier predicts `nlu_fallback` when confidence is low or the two best
intents are close (`ambiguity_threshold`); this step then offers those two as numbered
choices in the person's language, or answers an emergency if danger is one of them.
"""

from __future__ import annotations

from actions.content import available_languages, load_info
from actions.emergency import emergency
from actions.menus import FIND_SERVICE, MAIN_MENU, REQUEST_HUMAN, fallback, payload
from actions.state import Pending
from actions.turn import Turn
from bot.config import get_settings
from bot.conversation.unsure import (
    FALLBACK,
    doubtful_erase,
    names_emergency,
    two_meanings,
    without_erase,
)
from bot.conversation.unsure import offerable as unsure_offerable
from bot.wording.language_guess import trained_guesser
from bot.wording.messages import Option

# The choices besides the information flows (whose labels info.yml gives).
_CHOICES = {
    "find_service": FIND_SERVICE,
    "request_human": REQUEST_HUMAN,
    "privacy_info": Option("option.privacy", "/privacy_info"),
}


def offerable() -> frozenset[str]:
    return unsure_offerable(get_settings().content_dir)


def unsure(turn: Turn) -> None:
    """The fallback step: emergency, or "which did you mean?", or the menu. Also a
    delete_data reading the model is not sure of: erasing is never asked about on a guess."""
    ranking = list(turn.tracker.latest_message.get("intent_ranking") or [])
    doubtful = doubtful_erase(turn.intent, turn.confidence)
    if doubtful:
        ranking = without_erase(ranking)
    asking = turn.intent == FALLBACK or doubtful
    if asking and names_emergency(ranking):
        emergency(turn)
        return
    if asking:
        # Editors see it, masked, if the person consented; the model's own guesses only.
        turn.not_understood([item for item in ranking if item.get("name") != FALLBACK])
    pair = two_meanings(ranking, offerable()) if asking else None
    if pair is None and not _offer_language(turn):
        fallback(turn)
        return
    if pair is None:
        return
    turn.say("fallback.which", options=[_option(turn, intent) for intent in pair], zero=MAIN_MENU)
    turn.set(pending=Pending.INFO)  # 0 is the main menu


def _offer_language(turn: Turn) -> bool:
    """Not understood, and written clearly in another of our languages than the
    conversation's: offer that language (in its own words) before the menu."""
    written = trained_guesser().clearly(turn.text)
    if written is None or written == turn.language or written not in available_languages():
        return False
    turn.say(
        "language.offer_switch",
        options=[
            Option("language.name", payload("change_language", language=code), in_language=code)
            for code in (written, turn.language)
        ],
        zero=MAIN_MENU,
    )
    turn.set(pending=Pending.INFO)
    return True


def _option(turn: Turn, intent: str) -> Option:
    info = load_info()
    if intent in info.intents:
        topic = info.intents[intent]
        return Option(info.topics[topic].label, payload(intent, topic=topic))
    entities = {
        name: value
        for name in ("service_type", "location")
        if intent == "find_service" and (value := turn.entity(name))
    }
    return Option(_CHOICES[intent].key, payload(intent, **entities))
