"""The floor bot's one custom action, served by rasa_sdk (like `rasa init`'s example)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionFindHelp(Action):
    """Answers a request for help with a fixed text: the cost of one action call, no more."""

    def name(self) -> str:
        return "action_find_help"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="Here is where you can find help.")
        return []
