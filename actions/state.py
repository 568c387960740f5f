"""What the conversation's own slots mean, as types: the question pending, the onboarding step.

The values are the strings the Rasa domain (dialogues/domain/slots.yml) and the trained model
know. A member *is* its string, so writing one writes the same slot value as ever; reading a
slot goes through `read`, which treats a value this version doesn't know as it always was.
"""

from __future__ import annotations

from enum import StrEnum


class Pending(StrEnum):
    """The `pending` slot: the question the person is answering."""

    LANGUAGE = "language"
    SAFETY = "safety"
    CONSENT = "consent"
    MAIN_MENU = "main_menu"
    LOCATION = "location"
    SERVICE_TYPE = "service_type"
    AUDIENCE = "audience"
    MORE = "more"
    INFO = "info"
    HANDOFF = "handoff"
    HANDOFF_URGENT = "handoff_urgent"
    WOMAN_WORKER = "woman_worker"
    DELETE = "delete"

    @classmethod
    def read(cls, value: object) -> Pending | None:
        """The slot's question; None when nothing is pending or the value is unknown (an old
        conversation's): an answer to no known question gets the main menu."""
        try:
            return cls(value) if isinstance(value, str) else None
        except ValueError:
            return None


class OnboardingStep(StrEnum):
    """The `onboarding` slot: how far first contact has come (None: it hasn't begun)."""

    LANGUAGE = "language"
    SAFETY = "safety"
    CONSENT = "consent"
    DONE = "done"  # language, safety and consent were asked

    @classmethod
    def read(cls, value: object) -> OnboardingStep | None:
        """The slot's step; None before first contact. A value this version doesn't know is
        begun but not done, and the step before done: consent is asked (again)."""
        if value is None:
            return None
        try:
            return cls(value) if isinstance(value, str) else cls.CONSENT
        except ValueError:
            return cls.CONSENT


class Answer(StrEnum):
    """A reply to a yes/no question: affirm, deny, or anything else (skipping it)."""

    YES = "yes"
    NO = "no"
    SKIP = "skip"

    @classmethod
    def of(cls, intent: str) -> Answer:
        return {"affirm": cls.YES, "deny": cls.NO}.get(intent, cls.SKIP)
