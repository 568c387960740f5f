"""affirm / deny / skip, read against the question the person is answering (`pending`).

Each question belongs to a flow, and that flow reads the answer to it; an answer to no
question (or one this version doesn't know) gets the main menu.
"""

from __future__ import annotations

from collections.abc import Callable

from actions import handoff, onboarding, privacy, services
from actions.menus import main_menu
from actions.state import Answer, Pending
from actions.turn import Turn


def _main_menu(turn: Turn, said: Answer) -> None:
    main_menu(turn)


ANSWERS: dict[Pending, Callable[[Turn, Answer], None]] = {
    Pending.LANGUAGE: onboarding.answer_language,
    Pending.SAFETY: onboarding.answer_safety,
    Pending.CONSENT: onboarding.answer_consent,
    Pending.MAIN_MENU: services.answer_main_menu,  # "0" still reaches services (rule 3)
    Pending.LOCATION: services.answer_location,
    Pending.SERVICE_TYPE: services.answer_service_type,
    Pending.AUDIENCE: services.answer_audience,
    Pending.MORE: services.answer_more,
    Pending.INFO: _main_menu,
    Pending.HANDOFF: handoff.answer_handoff,
    Pending.HANDOFF_URGENT: handoff.answer_urgent_handoff,
    Pending.WOMAN_WORKER: handoff.answer_woman_worker,
    Pending.DELETE: privacy.answer_delete,
}


def answer(turn: Turn, pending: Pending | None) -> None:
    """The answer to the question pending, as the flow that asked it reads it."""
    step = ANSWERS.get(pending, _main_menu) if pending is not None else _main_menu
    step(turn, Answer.of(turn.intent))
