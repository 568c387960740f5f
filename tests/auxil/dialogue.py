"""The conversation walker lives in `actions.walk`; tests import it from here too."""

from actions.walk import ACTIONS, RULES, Dialogue, keys

__all__ = ["ACTIONS", "RULES", "Dialogue", "keys"]
