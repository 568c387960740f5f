"""Asking for a person (SAFETY.md rules 6, 14, 17, 18), and what the person is told after.

A handoff needs an explicit yes that names who will see the conversation, except in danger,
where a yes to the person offered opens it at once. Once the ticket is kept, the gateway
routes the person's messages to staff and the engine is paused until it closes (DESIGN.md
decision 6); the person hears honestly when someone will reply.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import SQLAlchemyError

from actions.directory import PAGE_SIZE, as_listings, database, helplines
from actions.menus import NO, SKIP, YES, main_menu
from actions.state import Answer, Pending
from actions.turn import Turn
from bot.config import get_settings
from bot.conversation.danger import SELF_HARM  # the kind of emergency the gateway's lexicon names
from bot.handoff.hours import WEEKDAYS, StaffHours, StaffHoursError
from bot.handoff.queue import open_ticket
from bot.store import Contact
from bot.wording.messages import ANYONE, WOMAN, Option

log = logging.getLogger(__name__)


def request_human(turn: Turn, urgent: bool = False) -> None:
    """A handoff needs an explicit yes that names who will see the conversation (rule 6)."""
    turn.say("handoff.ask_consent", options=[YES, NO], zero=SKIP)
    turn.set(pending=Pending.HANDOFF_URGENT if urgent else Pending.HANDOFF)


def accept_urgent_handoff(turn: Turn) -> None:
    """In danger, a yes to a person opens the handoff at once, no further question first."""
    if turn.entity("topic") == SELF_HARM:
        turn.say("emergency.self_harm")
    turn.set(handoff_urgent=True)
    record_handoff(turn, None)


def ask_woman_worker(turn: Turn, urgent: bool) -> None:
    turn.say(
        "handoff.ask_woman",
        options=[Option("option.woman_worker", "/affirm"), Option("option.no_preference", "/deny")],
        zero=SKIP,
    )
    turn.set(pending=Pending.WOMAN_WORKER, handoff_urgent=urgent)


def record_handoff(turn: Turn, wants_woman: bool | None) -> None:
    """Open a ticket for staff; say so only if it was really kept (rule 14).

    From here on the gateway routes the person's messages to staff; the engine is paused
    until the ticket closes (DESIGN.md decision 6).
    """
    if turn.metadata.get("preview"):
        # An editor previewing the wording: what the person would read, no ticket for
        # the workers' queue, and the bot goes on talking.
        turn.set(handoff_urgent=False)
        _say_when_staff_reply(turn)
        return
    sender = turn.tracker.sender_id
    recorded = False
    urgent = bool(turn.slot("handoff_urgent"))
    try:
        with database().session() as session:
            # The one column the action server may change in contacts, nothing read but the
            # key: its database role holds no more (bot/store/roles.py).
            paused = session.execute(
                update(Contact)
                .where(Contact.pseudonym == sender)
                .values(engine_paused=True)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], paused).rowcount:
                open_ticket(session, sender, urgent=urgent, wants_woman_worker=wants_woman)
                recorded = True
    except SQLAlchemyError:
        log.exception("could not record a handoff request")
    turn.set(handoff_urgent=False)
    if not recorded:
        turn.say("handoff.failed")
        return
    turn.pause()
    _say_when_staff_reply(turn)
    if wants_woman is None and urgent:
        # Opened at once in danger, without asking first: the wish can still be told.
        turn.say("handoff.ask_woman", options=[WOMAN, ANYONE])


# -- when someone will reply ---------------------------------------------------------------


def _say_when_staff_reply(turn: Turn) -> None:
    hours = _staff_hours()
    now = datetime.now(UTC)
    if hours is not None and hours.is_open(now):
        turn.say("handoff.requested")
        return
    opening = hours.next_opening(now) if hours is not None else None
    if opening is None:
        turn.say("handoff.after_hours_unknown")
    else:
        turn.say("handoff.after_hours", when=_when(opening, now.astimezone(opening.tzinfo)))
    _services_meanwhile(turn)


def _staff_hours() -> StaffHours | None:
    try:
        return StaffHours.from_file(get_settings().staff_hours_file)
    except StaffHoursError:
        log.exception("staff hours unreadable; telling the person we can't say when")
        return None


def _when(opening: datetime, now: datetime) -> dict[str, Any]:
    """When staff are back, as a message the gateway renders in the person's language."""
    time_of_day = opening.strftime("%H:%M")
    days = (opening.date() - now.date()).days
    if days == 0:
        return {"key": "hours.today", "params": {"time": time_of_day}}
    if days == 1:
        return {"key": "hours.tomorrow", "params": {"time": time_of_day}}
    day = {"key": f"weekday.{WEEKDAYS[opening.weekday()]}"}
    return {"key": "hours.on_day", "params": {"day": day, "time": time_of_day}}


def _services_meanwhile(turn: Turn) -> None:
    """Outside staff hours: the emergency numbers and services that are open now."""
    turn.say("emergency.numbers")
    listings = as_listings(helplines()[:PAGE_SIZE])
    if listings:
        turn.say("handoff.services_meanwhile", listings=listings)


# -- answers to this flow's questions ------------------------------------------------------


def answer_handoff(turn: Turn, said: Answer) -> None:
    """Only an explicit yes goes on to a person; anything else keeps the conversation going."""
    if said is Answer.YES:
        ask_woman_worker(turn, urgent=False)
    else:
        turn.say("handoff.declined")
        main_menu(turn, "menu.next_main")


def answer_urgent_handoff(turn: Turn, said: Answer) -> None:
    """Offered a person in danger: a yes opens the handoff at once."""
    if said is Answer.YES:
        accept_urgent_handoff(turn)
    else:
        answer_handoff(turn, said)


def answer_woman_worker(turn: Turn, said: Answer) -> None:
    """Yes: a woman worker; no: anyone; skipped: no wish recorded."""
    record_handoff(turn, {Answer.YES: True, Answer.NO: False}.get(said))
