"""The conversation's steps. Each step says message keys and sets slots on a Turn.

Onboarding (SAFETY.md rules 1, 2, 5, 16) comes before everything but an emergency; a
request made before onboarding finished is remembered and answered right after it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from actions.content import available_languages, load_info
from actions.turn import Turn
from bot.config import Environment, get_settings
from bot.conversation.danger import SELF_HARM  # the kind of emergency the gateway's lexicon names
from bot.directory import Place, emergency_listings, find_listings, load_gazetteer
from bot.handoff.hours import WEEKDAYS, StaffHours, StaffHoursError
from bot.handoff.queue import open_ticket
from bot.store import Contact, Database, shared_database
from bot.wording.messages import ANYONE, ERASE, KEEP, WOMAN, Listing, Option

log = logging.getLogger(__name__)

PAGE_SIZE = 3  # listings per message (at most three, with "more" as a choice)
DONE = "done"  # the `onboarding` slot once language, safety and consent were asked

# Intents that carry a request worth answering after onboarding.
DEFERRABLE = frozenset(
    {
        "find_service", "inform", "request_human", "privacy_info", "delete_data",
        "ask_trafficking_info", "ask_bonded_labour_info", "ask_rights", "ask_reporting",
        "ask_job_offer", "bot_challenge",
    }
)  # fmt: skip


def payload(intent: str, **entities: str) -> str:
    """What a menu choice sends to the engine: Rasa's `/intent{"entity": "value"}` form."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def database() -> Database:
    """The gateway's database, one engine per URL for the action server's lifetime."""
    return shared_database(get_settings().database_url)


YES = Option("option.yes", "/affirm")
NO = Option("option.no", "/deny")
SKIP = Option("option.skip", "/skip")
MAIN_MENU = Option("option.main_menu", "/skip")
FIND_SERVICE = Option("option.find_service", "/find_service")
REQUEST_HUMAN = Option("option.request_human", "/request_human")


# -- menus ---------------------------------------------------------------------------------


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
    turn.set(pending="main_menu")


# -- onboarding ----------------------------------------------------------------------------


def ask_language(turn: Turn) -> None:
    options = [
        Option("language.name", payload("change_language", language=code), in_language=code)
        for code in available_languages()[:4]
    ]
    turn.say("language.ask", options=options, zero=SKIP)
    turn.set(pending="language")


def ask_safety(turn: Turn) -> None:
    turn.say(
        "safety.ask",
        options=[Option("option.safe_now", "/affirm"), Option("option.later", "/deny")],
        zero=SKIP,
    )
    turn.set(onboarding="safety", pending="safety")


def ask_consent(turn: Turn) -> None:
    turn.say("privacy.notice", days=get_settings().retention_days)
    turn.say("consent.ask", options=[YES, NO], zero=SKIP)
    turn.set(onboarding="consent", pending="consent")


def continue_onboarding(turn: Turn) -> None:
    """Someone wrote something else while onboarding: keep their request, ask what's next."""
    if turn.intent in DEFERRABLE:
        turn.set(deferred_intent=turn.intent)
    state = turn.slot("onboarding")
    if state is None:
        turn.say("welcome.intro")
        ask_language(turn)
        turn.set(onboarding="language")
    elif state in ("language", "safety"):
        ask_safety(turn)  # no language chosen: the one guessed from their writing stays
    else:
        ask_consent(turn)


def finish_onboarding(turn: Turn) -> None:
    turn.set(onboarding=DONE)
    deferred = turn.slot("deferred_intent")
    turn.set(deferred_intent=None)
    handler = HANDLERS.get(deferred or "")
    if handler is None:
        main_menu(turn)
    else:
        handler(turn)


def choose_language(turn: Turn, code: str | None) -> None:
    if code not in available_languages():
        ask_language(turn)
        return
    turn.say("language.changed", set_language=code)
    if turn.slot("onboarding") is None:
        turn.say("welcome.intro")  # the first reply always says what this is (rule 1)
        ask_safety(turn)
    elif turn.slot("onboarding") == "language":
        ask_safety(turn)
    elif turn.slot("onboarding") != DONE:
        continue_onboarding(turn)
    else:
        main_menu(turn)


# -- emergency -----------------------------------------------------------------------------


def emergency(turn: Turn) -> None:
    """Emergency numbers in the very next reply, and the offer of a person (rule 17)."""
    if turn.slot("onboarding") is None:
        turn.say("welcome.intro")  # says what this is, and gives 15 and 1122
        turn.set(onboarding="language")
    else:
        turn.say("emergency.numbers")
    if turn.entity("topic") == SELF_HARM:
        turn.say("emergency.self_harm")  # a mental-health line, someone to talk to now
    turn.say("emergency.offer_person", options=[YES, NO], zero=SKIP)
    turn.set(pending="handoff_urgent")


# -- finding a service ---------------------------------------------------------------------


def _place_name(place: Place, language: str) -> str:
    gazetteer = load_gazetteer(get_settings().gazetteer_file)
    if place.district:
        return place.district.ur if language == "ur" else place.district.name
    province = place.province or ""
    return gazetteer.province_ur.get(province, province) if language == "ur" else province


def _resolve_place(turn: Turn) -> Place | None:
    gazetteer = load_gazetteer(get_settings().gazetteer_file)
    written = turn.slot("location")
    place = gazetteer.resolve(str(written)) if written else None
    if place is None and turn.intent in ("find_service", "inform"):
        place = gazetteer.find_in(turn.text)  # a place the model did not tag
    return place


def find_service(turn: Turn) -> None:
    """Ask only what is missing (kind of help, district), then list services."""
    if turn.intent == "find_service" and turn.entity("service_type") is None:
        turn.set(service_type=None, type_asked=False)  # a new request: don't reuse an old kind
    place = _resolve_place(turn)
    if place and place.candidates:
        turn.say(
            "service.ask_which_place",
            options=[
                Option("service.place_option", payload("inform", location=name), {"place": name})
                for name in place.candidates[:4]
            ],
            zero=SKIP,
        )
        turn.set(pending="location", location=None)
        return
    if turn.slot("location") and place is None:
        turn.set(location=None)
        if not turn.slot("location_asked"):
            turn.say("service.place_unknown", zero=SKIP)
            turn.set(pending="location", location_asked=True)
            return
    if not turn.slot("service_type") and not turn.slot("type_asked"):
        turn.say(
            "service.ask_type",
            options=[
                Option(f"service_type.{kind}", payload("inform", service_type=kind))
                for kind in ("shelter", "legal_aid", "medical", "counselling")
            ],
            zero=SKIP,
        )
        turn.set(pending="service_type", type_asked=True)
        return
    if place is None and not turn.slot("location_asked"):
        turn.say("service.ask_location", zero=SKIP)
        turn.set(pending="location", location_asked=True)
        return
    if place and place.district:
        turn.set(location=place.district.name)
    list_services(turn, place, page=0)


def list_services(turn: Turn, place: Place | None, page: int) -> None:
    """Read from the directory on every request: an expired listing is gone at once."""
    today, demo = date.today(), get_settings().environment != Environment.PRODUCTION
    with database().session() as session:
        kind = turn.slot("service_type")
        found = find_listings(session, kind, place, today=today, include_demo=demo)
        if not found:  # nothing of that kind: helplines can route any need, anywhere
            found = find_listings(session, None, None, today=today, include_demo=demo)
        emergency = emergency_listings(session, today=today, include_demo=demo)
    shown = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    listings = [Listing(item.names, item.phones[0], item.hours) for item in [*shown, *emergency]]
    if place and page == 0:
        turn.say("service.results_near", listings=listings, place=_place_name(place, turn.language))
    else:
        turn.say("service.results", listings=listings)
    if len(found) > (page + 1) * PAGE_SIZE:
        turn.say(
            "service.more_ask",
            options=[Option("option.more", "/affirm"), REQUEST_HUMAN],
            zero=MAIN_MENU,
        )
        turn.set(pending="more", results_page=page + 1)
    else:
        turn.say("service.next_ask", options=[REQUEST_HUMAN, FIND_SERVICE], zero=MAIN_MENU)
        turn.set(pending="info", results_page=0, type_asked=False, location_asked=False)


# -- information ---------------------------------------------------------------------------


def show_info(turn: Turn) -> None:
    info = load_info()
    topic = turn.entity("topic")
    if topic not in info.topics:
        topic = info.intents.get(turn.intent, "overview")
    step = info.topics[topic]
    turn.say(step.text)
    options = []
    for choice in step.options:
        if choice == "find_service":
            options.append(FIND_SERVICE)
        elif choice == "request_human":
            options.append(REQUEST_HUMAN)
        elif choice == "main_menu":
            options.append(MAIN_MENU)
        else:
            options.append(
                Option(f"option.topic.{choice}", payload(info.intent_for(choice), topic=choice))
            )
    turn.say("menu.next", options=options, zero=MAIN_MENU)
    turn.set(pending="info")


# -- a person, privacy, erasure ------------------------------------------------------------


def request_human(turn: Turn, urgent: bool = False) -> None:
    """A handoff needs an explicit yes that names who will see the conversation (rule 6)."""
    turn.say("handoff.ask_consent", options=[YES, NO], zero=SKIP)
    turn.set(pending="handoff_urgent" if urgent else "handoff")


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
    turn.set(pending="woman_worker", handoff_urgent=urgent)


def record_handoff(turn: Turn, wants_woman: bool | None) -> None:
    """Open a ticket for staff; say so only if it was really kept (rule 14).

    From here on the gateway routes the person's messages to staff; the engine is paused
    until the ticket closes (DESIGN.md decision 6).
    """
    sender = turn.tracker.sender_id
    recorded = False
    urgent = bool(turn.slot("handoff_urgent"))
    try:
        with database().session() as session:
            contact = session.get(Contact, sender)
            if contact is not None:
                open_ticket(session, sender, urgent=urgent, wants_woman_worker=wants_woman)
                contact.engine_paused = True
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
    today, demo = date.today(), get_settings().environment != Environment.PRODUCTION
    with database().session() as session:
        found = find_listings(session, None, None, today=today, include_demo=demo)
    listings = [Listing(item.names, item.phones[0], item.hours) for item in found[:PAGE_SIZE]]
    if listings:
        turn.say("handoff.services_meanwhile", listings=listings)


def privacy(turn: Turn) -> None:
    """The notice again, and the choice again: people may change their mind (rule 5)."""
    onboarded = turn.slot("onboarding") == DONE
    ask_consent(turn)
    if onboarded:
        turn.set(onboarding=DONE)  # asking again is not onboarding again


def ask_delete(turn: Turn) -> None:
    """Only "1" erases: the gateway answers the choice itself, even with the engine down."""
    turn.say("delete.ask", options=[ERASE], zero=KEEP)
    turn.set(pending="delete")


# -- answers to the question just asked ----------------------------------------------------


def answer(turn: Turn, pending: str | None) -> None:
    """affirm / deny / skip, read against the question the person is answering."""
    said = {"affirm": "yes", "deny": "no"}.get(turn.intent, "skip")
    if pending == "language":
        choose_language(turn, turn.language)  # no choice: keep the one they write in
    elif pending == "safety":
        if said == "no":
            turn.say("safety.later")  # onboarding waits; they'll be asked again next time
        else:
            ask_consent(turn)
    elif pending == "consent":
        agreed = said == "yes"  # skipping keeps nothing, like a no
        turn.set(consent=agreed)
        turn.say("consent.given" if agreed else "consent.declined", consent=agreed)
        finish_onboarding(turn)
    elif pending == "handoff_urgent" and said == "yes":
        accept_urgent_handoff(turn)
    elif pending in ("handoff", "handoff_urgent"):
        if said == "yes":
            ask_woman_worker(turn, urgent=False)
        else:
            turn.say("handoff.declined")
            main_menu(turn, "menu.next_main")
    elif pending == "woman_worker":
        record_handoff(turn, {"yes": True, "no": False}.get(said))
    elif pending == "delete":
        if said == "yes":
            ask_delete(turn)  # a typed yes erases nothing: the choice is "1", asked again
        else:
            turn.say("delete.kept")
            main_menu(turn, "menu.next_main")
    elif pending == "service_type":
        turn.set(type_asked=True)
        find_service(turn)
    elif pending == "location":
        turn.set(location_asked=True)
        find_service(turn)
    elif pending == "more" and said == "yes":
        list_services(turn, _resolve_place(turn), int(turn.slot("results_page") or 1))
    elif pending == "main_menu" and said == "skip":
        # "0" on the main menu, or skipping everything: still reach services (rule 3).
        turn.set(type_asked=True, location_asked=True, service_type=None)
        list_services(turn, None, page=0)
    else:
        main_menu(turn)


def fallback(turn: Turn) -> None:
    """Never a dead end, and never "I don't understand" twice in a row."""
    streak = int(turn.tracker.get_slot("fallback_streak") or 0)
    main_menu(turn, "fallback.first" if streak == 0 else "menu.what_i_can_do")
    turn.set(fallback_streak=streak + 1)


def greet(turn: Turn) -> None:
    main_menu(turn, "menu.greet")


HANDLERS: dict[str, Callable[[Turn], Any]] = {
    "find_service": find_service,
    "inform": find_service,
    "request_human": request_human,
    "privacy_info": privacy,
    "delete_data": ask_delete,
    "ask_trafficking_info": show_info,
    "ask_bonded_labour_info": show_info,
    "ask_rights": show_info,
    "ask_reporting": show_info,
    "ask_job_offer": show_info,
    "bot_challenge": lambda turn: turn.say(
        "bot.challenge", options=[REQUEST_HUMAN], zero=MAIN_MENU
    ),
}
