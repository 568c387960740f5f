"""The Rasa SDK action server: `python -m rasa_sdk --actions actions`."""

from actions import survivor

__all__ = ["survivor"]
