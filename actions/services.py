"""Finding a service (SAFETY.md rules 3, 4): ask only what is missing, then list services.

The only questions are the kind of help and the district, each asked once and each
skippable; skipping everything still reaches helplines and the emergency numbers.
"""

from __future__ import annotations

from actions.directory import PAGE_SIZE, as_listings, search
from actions.menus import FIND_SERVICE, MAIN_MENU, REQUEST_HUMAN, SKIP, main_menu, payload
from actions.state import Answer, Pending
from actions.turn import Turn
from bot.config import get_settings
from bot.directory import Place, load_gazetteer
from bot.directory.listings import ANYONE, AUDIENCES, SERVICE_TYPES
from bot.wording.messages import Option


def _place_name(place: Place, language: str) -> str:
    gazetteer = load_gazetteer(get_settings().gazetteer_file)
    if place.country:
        return place.country.ur if language == "ur" else place.country.name
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
    if turn.slot("service_type") not in (None, *SERVICE_TYPES):
        # Rasa's slot mapping took the first tagged word, even one that is no kind of help.
        turn.set(service_type=turn.entity("service_type"))
    if turn.intent == "find_service":  # a new request: for someone else, maybe another kind
        turn.set(audience=None)
        if turn.entity("service_type") is None:
            turn.set(service_type=None, type_asked=False)
    if turn.entity("audience") in AUDIENCES:
        turn.set(audience=turn.entity("audience"))
    place = _resolve_place(turn)
    if place and place.country:
        abroad(turn, place)
        return
    if place and place.candidates:
        turn.say(
            "service.ask_which_place",
            options=[
                Option("service.place_option", payload("inform", location=name), {"place": name})
                for name in place.candidates[:4]
            ],
            zero=SKIP,
        )
        turn.set(pending=Pending.LOCATION, location=None)
        return
    if turn.slot("location") and place is None:
        turn.set(location=None)
        if not turn.slot("location_asked"):
            turn.say("service.place_unknown", zero=SKIP)
            turn.set(pending=Pending.LOCATION, location_asked=True)
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
        turn.set(pending=Pending.SERVICE_TYPE, type_asked=True)
        return
    if turn.slot("service_type") == "shelter" and not turn.slot("audience"):
        ask_audience(turn)
        return
    if place is None and not turn.slot("location_asked"):
        turn.say("service.ask_location", zero=SKIP)
        turn.set(pending=Pending.LOCATION, location_asked=True)
        return
    if place and place.district:
        turn.set(location=place.district.name)
    list_services(turn, place, page=0)


def ask_audience(turn: Turn) -> None:
    """A safe place for a woman, a man and a child are different places: ask, once."""
    turn.say(
        "service.ask_audience",
        options=[Option(f"audience.{who}", payload("inform", audience=who)) for who in AUDIENCES],
        zero=SKIP,
    )
    turn.set(pending=Pending.AUDIENCE, audience=ANYONE)  # asked once: anything else is "not said"


def abroad(turn: Turn, place: Place) -> None:
    """Outside Pakistan the directory can't help: Pakistan's mission there can (its Community
    Welfare Attaché), and so can a person on our team."""
    turn.say("service.abroad", country=_place_name(place, turn.language))
    turn.say("service.next_ask", options=[REQUEST_HUMAN, FIND_SERVICE], zero=MAIN_MENU)
    turn.set(pending=Pending.INFO, location=None, type_asked=False, location_asked=False)


def list_services(turn: Turn, place: Place | None, page: int) -> None:
    """Read from the directory on every request: an expired listing is gone at once."""
    audience = turn.slot("audience")
    referral = search(turn.slot("service_type"), place, audience if audience in AUDIENCES else None)
    found = referral.found
    shown = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    listings = as_listings([*shown, *referral.emergency])
    if referral.empty:
        # Never an empty list: say so honestly, with the emergency numbers in the words.
        turn.say("service.none_listed")
    elif place and page == 0 and not referral.local:
        name = _place_name(place, turn.language)
        turn.say("service.none_near", listings=listings, place=name)
    elif place and page == 0:
        turn.say("service.results_near", listings=listings, place=_place_name(place, turn.language))
    else:
        turn.say("service.results", listings=listings)
    if len(found) > (page + 1) * PAGE_SIZE:
        turn.say(
            "service.more_ask",
            options=[Option("option.more", "/affirm"), REQUEST_HUMAN],
            zero=MAIN_MENU,
        )
        turn.set(pending=Pending.MORE, results_page=page + 1)
    else:
        turn.say("service.next_ask", options=[REQUEST_HUMAN, FIND_SERVICE], zero=MAIN_MENU)
        turn.set(pending=Pending.INFO, results_page=0, type_asked=False, location_asked=False)


# -- answers to this flow's questions ------------------------------------------------------


def answer_service_type(turn: Turn, said: Answer) -> None:
    """Any answer to the kind of help (skipping it too) means: don't ask it again."""
    turn.set(type_asked=True)
    find_service(turn)


def answer_audience(turn: Turn, said: Answer) -> None:
    """Skipped (or not one of the choices): a place for anyone, then the list."""
    find_service(turn)


def answer_location(turn: Turn, said: Answer) -> None:
    turn.set(location_asked=True)
    find_service(turn)


def answer_more(turn: Turn, said: Answer) -> None:
    if said is Answer.YES:
        list_services(turn, _resolve_place(turn), int(turn.slot("results_page") or 1))
    else:
        main_menu(turn)


def answer_main_menu(turn: Turn, said: Answer) -> None:
    if said is Answer.SKIP:
        # "0" on the main menu, or skipping everything: still reach services (rule 3).
        turn.set(type_asked=True, location_asked=True, service_type=None)
        list_services(turn, None, page=0)
    else:
        main_menu(turn)
