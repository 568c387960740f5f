"""Information in short steps with numbered choices (SAFETY.md rules 7, 9, 15).

The steps and their choices are content (content/info.yml), not code.
"""

from __future__ import annotations

from actions.content import load_info
from actions.menus import FIND_SERVICE, MAIN_MENU, REQUEST_HUMAN, payload
from actions.state import Pending
from actions.turn import Turn
from bot.wording.messages import Option

# Choices a step may offer besides other topics (actions.content.ACTION_CHOICES).
ACTION_OPTIONS = {
    "find_service": FIND_SERVICE,
    "request_human": REQUEST_HUMAN,
    "main_menu": MAIN_MENU,
}


def show_info(turn: Turn, intent: str | None = None) -> None:
    """The topic the person chose (a menu's `topic`), else where their intent starts.

    `intent` is the request kept through onboarding, answered on a later turn.
    """
    info = load_info()
    topic = turn.entity("topic") if intent is None else None
    if topic not in info.topics:
        topic = info.intents.get(intent or turn.intent, "overview")
    step = info.topics[topic]
    turn.say(step.text)
    options = [
        ACTION_OPTIONS.get(choice)
        or Option(info.topics[choice].label, payload(info.intent_for(choice), topic=choice))
        for choice in step.options
    ]
    turn.say("menu.next", options=options, zero=MAIN_MENU)
    turn.set(pending=Pending.INFO)
