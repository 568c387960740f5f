"""The Rasa SDK actions; `python -m actions.server` serves them to the engine alone."""

from actions import survivor

__all__ = ["survivor"]
