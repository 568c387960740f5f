"""The last menu a person saw, as kept between messages.

Each digit maps to its payload, and each option's words map to its digit, so that typing
"Later" or "baad mein" works like "2" (people type what they read).
"""

from __future__ import annotations

from bot.conversation.keywords import fold
from bot.conversation.said import Said
from bot.wording.render import Reply

_LABEL = "~"  # marks an entry that is an option's words, not a digit


def menu_of(reply: Reply) -> dict[str, str]:
    menu = dict(reply.menu)
    for label in reply.options:
        digit, _, words = label.partition(" ")
        if digit in reply.menu and fold(words):
            menu.setdefault(_LABEL + fold(words), digit)
    return menu


def digits(menu: dict[str, str]) -> set[str]:
    return {key for key in menu if not key.startswith(_LABEL)}


def typed_option(menu: dict[str, str], said: Said) -> str | None:
    """The digit of the option whose words the person typed, if they did."""
    return menu.get(_LABEL + fold(said))
