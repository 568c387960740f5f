"""Requests made before onboarding finished: kept, then answered right after it.

Each intent that carries such a request, and the step that answers it. Every information
intent of content/info.yml is one (an editor adding a flow adds one), answered at the
topic that intent starts at, not at whatever the person said to finish onboarding.
"""

from __future__ import annotations

from collections.abc import Callable

from actions.content import load_info
from actions.handoff import request_human
from actions.information import show_info
from actions.menus import bot_challenge
from actions.privacy import ask_delete, privacy
from actions.services import find_service
from actions.turn import Turn

HANDLERS: dict[str, Callable[[Turn], None]] = {
    "find_service": find_service,
    "inform": find_service,
    "request_human": request_human,
    "privacy_info": privacy,
    "delete_data": ask_delete,
    "bot_challenge": bot_challenge,
}


def deferrable(intent: str | None) -> bool:
    """Whether this intent carries a request worth answering after onboarding."""
    return bool(intent) and (intent in HANDLERS or intent in load_info().intents)


def answer_deferred(turn: Turn, intent: str | None) -> bool:
    """Answer the kept request; False when there was none to answer."""
    if intent in HANDLERS:
        HANDLERS[intent](turn)
        return True
    if intent and intent in load_info().intents:
        show_info(turn, intent)
        return True
    return False
