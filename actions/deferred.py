"""Requests made before onboarding finished: kept, then answered right after it.

Each intent that carries such a request, and the step that answers it.
"""

from __future__ import annotations

from collections.abc import Callable

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
    "ask_trafficking_info": show_info,
    "ask_bonded_labour_info": show_info,
    "ask_rights": show_info,
    "ask_reporting": show_info,
    "ask_job_offer": show_info,
    "bot_challenge": bot_challenge,
}

# Intents that carry a request worth answering after onboarding: those with a step above.
DEFERRABLE = frozenset(HANDLERS)
