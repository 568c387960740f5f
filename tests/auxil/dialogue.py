"""The conversation walker lives in `bot.editing.walk`; tests import it from here too."""

from bot.editing.walk import RULES, Dialogue, keys

__all__ = ["RULES", "Dialogue", "keys"]
