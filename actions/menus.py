"""The choices every flow offers, and the main menu the conversation comes back to.

Never a dead end: a greeting, a fallback and the end of every flow lead here.
"""

from __future__ import annotations

import json

from actions.state import Pending
from actions.turn import Turn
from bot.wording.messages import Option


def payload(intent: str, **entities: str) -> str:
    """What a menu choice sends to the engine: Rasa's `/intent{"entity": "value"}` form."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


YES = Option("option.yes", "/affirm")
NO = Option("option.no", "/deny")
SKIP = Option("option.skip", "/skip")
MAIN_MENU = Option("option.main_menu", "/skip")
FIND_SERVICE = Option("option.find_service", "/find_service")
REQUEST_HUMAN = Option("option.request_human", "/request_human")


def main_menu(turn: Turn, key: str = "menu.main") -> None:
    turn.say(
        key,
        options=[
            FIND_SERVICE,
            Option("option.information", payload("ask_trafficking_info", topic="overview")),
            Option("option.job_offer", "/ask_job_offer"),
            REQUEST_HUMAN,
        ],
        zero=Option("option.something_else", "/skip"),
    )
    turn.set(pending=Pending.MAIN_MENU)


def greet(turn: Turn) -> None:
    main_menu(turn, "menu.greet")


def fallback(turn: Turn) -> None:
    """Never a dead end, and never "I don't understand" twice in a row."""
    streak = int(turn.tracker.get_slot("fallback_streak") or 0)
    main_menu(turn, "fallback.first" if streak == 0 else "menu.what_i_can_do")
    turn.set(fallback_streak=streak + 1)


def bot_challenge(turn: Turn) -> None:
    """Asked whether this is a computer: yes, and a person is one choice away."""
    turn.say("bot.challenge", options=[REQUEST_HUMAN], zero=MAIN_MENU)
