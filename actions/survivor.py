"""The Rasa actions. Each is thin: the gate below, then one step of a flow.

Every action goes through the same gate, so an emergency always wins and onboarding
always comes first, whatever the model predicted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import answer
from actions.emergency import emergency
from actions.handoff import accept_urgent_handoff, request_human
from actions.information import show_info
from actions.meaning import unsure
from actions.menus import bot_challenge, greet
from actions.onboarding import ask_language, choose_language, continue_onboarding
from actions.privacy import ask_delete, privacy
from actions.services import find_service
from actions.state import OnboardingStep, Pending
from actions.turn import Turn
from bot.config import get_settings
from bot.conversation.unsure import doubtful_erase
from bot.directory import Place, load_gazetteer

# Answers to a yes/no question are handled by the actions that own them.
_ANSWERS = {"affirm", "deny", "skip"}
# Questions whose answer wins over onboarding: a yes to a person, offered in an emergency
# or asked for, opens the handoff from whatever step the conversation was at (rule 17).
_ANSWERED_BEFORE_ONBOARDING = {Pending.HANDOFF, Pending.HANDOFF_URGENT, Pending.WOMAN_WORKER}
# Onboarding's own questions: answering one goes on with onboarding, not around it.
_ONBOARDING_QUESTIONS = {Pending.LANGUAGE, Pending.SAFETY, Pending.CONSENT}
# Offered a person in danger, asking for help in a sentence ("han madad chahiye", "please
# help me", another danger phrase) is a yes: the handoff opens at once.
_ASKING_FOR_HELP = {"request_human", "emergency", "find_service"}


class SurvivorAction(Action, ABC):
    """Shared gate; abstract so that rasa-sdk registers only the concrete actions."""

    action_name: str

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        pending = Pending.read(tracker.get_slot("pending"))
        turn.set(pending=None, fallback_streak=0)  # a step that asks something sets these again
        gated = self._gate(turn, pending)
        if gated is None:
            self.step(turn, pending)
        else:
            gated(turn)
        self._canonical_place(turn)
        for message in turn.outgoing():
            dispatcher.utter_message(json_message=message.to_payload())
        return turn.events()

    def _gate(self, turn: Turn, pending: Pending | None) -> Callable[[Turn], None] | None:
        """The step that takes this turn whatever the model predicted, or None: the first
        case that holds wins, so their order is the conversation's order of precedence."""
        onboarded = OnboardingStep.read(turn.tracker.get_slot("onboarding")) is OnboardingStep.DONE
        match pending:
            case Pending.HANDOFF_URGENT if turn.intent in _ASKING_FOR_HELP:
                return accept_urgent_handoff
            case _ if turn.intent == "emergency":
                return emergency
            case _ if pending in _ANSWERED_BEFORE_ONBOARDING and turn.intent in _ANSWERS:
                return partial(answer, pending=pending)
            case _ if not onboarded and not self._answers_onboarding(turn, pending):
                return continue_onboarding
            case Pending.LOCATION if self._place_in_text(turn):
                return find_service
        return None

    def _answers_onboarding(self, turn: Turn, pending: Pending | None) -> bool:
        if turn.intent == "change_language":
            # A first message naming a language still gets the intro.
            onboarding = OnboardingStep.read(turn.slot("onboarding"))
            return turn.entity("language") is not None or onboarding is not None
        return pending in _ONBOARDING_QUESTIONS and turn.intent in _ANSWERS

    def _canonical_place(self, turn: Turn) -> None:
        """Keep a district's canonical name, never the person's own spelling of it, so that
        scrubbing a conversation for someone who declined keeping leaves no words behind."""
        written = turn.slot("location")
        if not written:
            return
        place = load_gazetteer(get_settings().gazetteer_file).resolve(str(written))
        canonical = _canonical_name(place)
        if canonical != written:
            turn.set(location=canonical)

    def _place_in_text(self, turn: Turn) -> bool:
        """Asked for a district, got a place the model missed: take it (spelling-tolerant)."""
        if turn.intent in ("skip", "change_language", "delete_data", "request_human"):
            return False
        if turn.entity("location"):
            return True
        place = load_gazetteer(get_settings().gazetteer_file).find_in(turn.text)
        if place and (place.district or place.country):
            turn.set(location=_canonical_name(place))
            return True
        return False

    @abstractmethod
    def step(self, turn: Turn, pending: Pending | None) -> None:
        """This action's part of the conversation."""


class ActionGreet(SurvivorAction):
    action_name = "action_greet"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        greet(turn)


class ActionEmergency(SurvivorAction):
    action_name = "action_emergency"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        emergency(turn)  # reached through the gate; kept for a direct prediction


class ActionAnswer(SurvivorAction):
    action_name = "action_answer"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        answer(turn, pending)


class ActionFindService(SurvivorAction):
    action_name = "action_find_service"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        find_service(turn)


class ActionShowInfo(SurvivorAction):
    action_name = "action_show_info"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        show_info(turn)


class ActionRequestHuman(SurvivorAction):
    action_name = "action_request_human"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        request_human(turn)


class ActionChangeLanguage(SurvivorAction):
    action_name = "action_change_language"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        code = turn.entity("language")
        if code is None:
            ask_language(turn)
        else:
            choose_language(turn, code, pending)


class ActionPrivacyInfo(SurvivorAction):
    action_name = "action_privacy_info"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        privacy(turn)


class ActionDeleteData(SurvivorAction):
    action_name = "action_delete_data"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        if doubtful_erase(turn.intent, turn.confidence):
            unsure(turn)  # "delete everything?" is asked only on a sure reading
        else:
            ask_delete(turn)


class ActionBotChallenge(SurvivorAction):
    action_name = "action_bot_challenge"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        bot_challenge(turn)


class ActionThank(SurvivorAction):
    action_name = "action_thank"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        turn.say("thank.reply")


class ActionGoodbye(SurvivorAction):
    action_name = "action_goodbye"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        turn.say("goodbye.reply")


class ActionFallback(SurvivorAction):
    action_name = "action_fallback"

    def step(self, turn: Turn, pending: Pending | None) -> None:
        unsure(turn)  # which of two meanings, an emergency, or the menu


def _canonical_name(place: Place | None) -> str | None:
    """A district's or a country's own name (a province or a guess is not kept)."""
    if place is None:
        return None
    if place.district:
        return place.district.name
    return place.country.name if place.country else None
