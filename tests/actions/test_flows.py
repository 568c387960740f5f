"""Whole conversations through the real actions (no engine): the SAFETY.md rules that concern
the conversation, each as a test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import get_settings
from bot.handoff.hours import WEEKDAYS
from bot.store import Contact, Database, Ticket
from bot.wording.catalogs import Catalogs
from bot.wording.messages import MAX_OPTIONS, BotMessage
from bot.wording.render import Channel, render
from tests.auxil.dialogue import Dialogue, keys


def test_first_reply_says_what_this_is_then_asks_language() -> None:
    """Rule 1: the first reply is the introduction (automated, not police, 15 and 1122)."""
    replies = Dialogue().say("find_service", "I need a lawyer in Multan", service_type="legal_aid")
    assert keys(replies) == ["welcome.intro", "language.ask"]


def test_language_menu_offers_each_catalog_in_its_own_language() -> None:
    replies = Dialogue().say("greet", "salam")
    menu = replies[-1]
    assert [o.in_language for o in menu.options] == ["en", "ur", "ur_Latn"]
    assert menu.zero is not None


def test_safety_is_asked_before_anything_else_and_offers_later() -> None:
    """Rule 2."""
    dialogue = Dialogue()
    dialogue.say("greet")
    replies = dialogue.choose("2")  # اردو
    assert keys(replies) == ["language.changed", "safety.ask"]
    assert replies[0].set_language == "ur"
    assert "option.later" in [o.key for o in replies[1].options]


def test_later_ends_politely_and_asks_again_next_time() -> None:
    dialogue = Dialogue()
    dialogue.say("greet")
    dialogue.choose("1")
    assert keys(dialogue.choose("2")) == ["safety.later"]
    assert keys(dialogue.say("greet", "hi again")) == ["safety.ask"]


def test_privacy_is_explained_before_consent() -> None:
    """Rule 5: what is kept, for how long, who sees it, before anything is kept."""
    dialogue = Dialogue()
    dialogue.say("greet")
    dialogue.choose("1")
    replies = dialogue.say("affirm")
    assert keys(replies) == ["privacy.notice", "consent.ask"]
    assert replies[0].params == {"days": 30}


def test_a_first_request_is_answered_right_after_onboarding() -> None:
    dialogue = Dialogue()
    dialogue.say(
        "find_service", "I need a lawyer in Multan", service_type="legal_aid", location="Multan"
    )
    dialogue.choose("1")
    dialogue.say("affirm")
    replies = dialogue.say("affirm")
    assert keys(replies)[:2] == ["consent.given", "service.results_near"]
    assert replies[1].params == {"place": "Multan"}


@pytest.mark.parametrize(
    ("language", "place"), [("en", "Multan"), ("ur", "ملتان"), ("ur_Latn", "Multan")]
)
def test_services_listed_in_the_persons_script(language: str, place: str) -> None:
    dialogue = Dialogue(language=language)
    dialogue.onboard()
    dialogue.language = language
    replies = dialogue.say(
        "find_service", "lawyer in multan", service_type="legal_aid", location="multan"
    )
    results = replies[0]
    assert results.key == "service.results_near"
    assert results.params["place"] == place
    phones = [item.phone for item in results.listings]
    # Province before national, and the emergency numbers always come with the answer.
    assert phones[0] == "1043"
    assert phones[-2:] == ["15", "1122"]


def test_asks_only_what_is_missing() -> None:
    """Rule 4: only kind of help and district; each asked once, each skippable."""
    dialogue = Dialogue()
    dialogue.onboard()
    assert keys(dialogue.say("find_service", "I need help")) == ["service.ask_type"]
    assert keys(dialogue.choose("1")) == ["service.ask_location"]
    replies = dialogue.say("inform", "kasur", location="kasur")
    assert replies[0].key == "service.results_near"
    assert replies[0].params == {"place": "Kasur"}


def test_skipping_everything_still_reaches_numbers_and_services() -> None:
    """Rule 3: "skip" to every question still gives emergency numbers and a service list."""
    dialogue = Dialogue()
    seen: list[str] = []
    for _ in range(8):
        seen += keys(dialogue.say("skip", "skip"))
    assert seen[0] == "welcome.intro"
    assert "service.results" in seen
    listings = [m for m in dialogue.last if m.listings] or []
    assert seen.count("welcome.intro") == 1
    assert listings or "service.results" in seen


def test_unknown_place_is_asked_once_then_national_services() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say(
        "find_service", "shelter in xyzzy", service_type="shelter", location="xyzzy"
    )
    assert keys(replies) == ["service.place_unknown"]
    replies = dialogue.say("inform", "qwerty", location="qwerty")
    assert replies[0].key == "service.results"


def test_ambiguous_place_offers_the_candidates() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("find_service", "doctor in dir", service_type="medical", location="dir")
    assert replies[0].key == "service.ask_which_place"
    assert [o.params["place"] for o in replies[0].options] == [
        "Upper Dir",
        "Lower Dir",
        "Central Dir",
    ]
    replies = dialogue.choose("2")
    assert replies[0].params == {"place": "Lower Dir"}


def test_a_place_typed_without_tag_is_understood_when_asked_for() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("find_service", "I need a doctor", service_type="medical")
    replies = dialogue.say("out_of_scope", "main faislabad se hun")
    assert replies[0].params == {"place": "Faisalabad"}


@pytest.mark.parametrize("stage", ["new", "language", "safety", "consent", "done", "menu"])
def test_emergency_numbers_in_the_very_next_reply_wherever_the_conversation_is(stage: str) -> None:
    """Rule 17: emergency numbers at once, and the offer of a person."""
    dialogue = Dialogue()
    steps = {
        "language": [("greet", None)],
        "safety": [("greet", None), ("choose", "1")],
        "consent": [("greet", None), ("choose", "1"), ("affirm", None)],
        "done": [("greet", None), ("choose", "1"), ("affirm", None), ("affirm", None)],
        "menu": [
            ("greet", None),
            ("choose", "1"),
            ("affirm", None),
            ("affirm", None),
            ("find_service", None),
        ],
    }.get(stage, [])
    for intent, digit in steps:
        dialogue.choose(digit) if intent == "choose" else dialogue.say(intent)
    replies = dialogue.say("emergency", "mujhe bachao")
    assert replies[0].key in ("welcome.intro", "emergency.numbers")
    assert replies[-1].key == "emergency.offer_person"


def test_handoff_needs_an_explicit_yes_naming_who_sees_it(database: Database) -> None:
    """Rule 6 and 18: consent first, then the wish for a woman worker is recorded."""
    with database.session() as session:
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))
    dialogue = Dialogue()
    dialogue.onboard()
    assert keys(dialogue.say("request_human")) == ["handoff.ask_consent"]
    assert keys(dialogue.say("affirm")) == ["handoff.ask_woman"]
    assert keys(dialogue.choose("1")) == ["handoff.requested"]
    with database.session() as session:
        request = session.scalars(select(Ticket)).one()
    assert (request.pseudonym, request.wants_woman_worker, request.urgent) == (
        "p_test",
        True,
        False,
    )


def test_urgent_handoff_is_marked(database: Database) -> None:
    with database.session() as session:
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("emergency", "help they are beating me")
    dialogue.say("affirm")
    dialogue.say("skip")
    with database.session() as session:
        request = session.scalars(select(Ticket)).one()
    assert request.urgent and request.wants_woman_worker is None


def test_a_handoff_that_could_not_be_kept_is_not_promised() -> None:
    """Rule 14: no contact row (nothing to attach it to): say so, don't pretend."""
    dialogue = Dialogue(sender="p_unknown")
    dialogue.onboard()
    dialogue.say("request_human")
    dialogue.say("affirm")
    assert keys(dialogue.say("deny")) == ["handoff.failed"]


def test_declining_a_handoff_keeps_the_conversation_going() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("request_human")
    assert keys(dialogue.say("deny")) == ["handoff.declined", "menu.next_main"]


def test_delete_asks_and_only_the_gateway_choice_erases() -> None:
    """Rule 11: the intent path asks with the same choice as the DELETE keyword; "1" is
    answered by the gateway (even with the engine down), and a typed yes erases nothing."""
    dialogue = Dialogue()
    dialogue.onboard()
    asked = dialogue.say("delete_data")
    assert keys(asked) == ["delete.ask"]
    assert asked[0].options[0].payload == "!erase" and asked[0].zero.payload == "!keep"  # type: ignore[union-attr]
    replies = dialogue.say("affirm")
    assert not any(message.erase for message in replies)


def test_never_i_dont_understand_twice_in_a_row() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    assert keys(dialogue.say("out_of_scope", "asdf")) == ["fallback.first"]
    assert keys(dialogue.say("nlu_fallback", "qwe")) == ["menu.what_i_can_do"]
    dialogue.say("thank")
    assert keys(dialogue.say("out_of_scope", "zzz")) == ["fallback.first"]


def test_fallback_is_never_a_dead_end() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("out_of_scope", "cricket score")
    assert replies[-1].is_menu and len(replies[-1].options) >= 3


def test_language_can_change_any_time() -> None:
    """Rule 16."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("change_language", "urdu please", language="ur")
    assert replies[0].set_language == "ur"
    assert keys(dialogue.say("change_language", "zuban badlo")) == ["language.ask"]
    replies = dialogue.choose("3")
    assert replies[0].set_language == "ur_Latn"


def test_first_message_naming_a_language_still_gets_the_intro() -> None:
    replies = Dialogue().say("change_language", "urdu", language="ur")
    assert keys(replies) == ["language.changed", "welcome.intro", "safety.ask"]


@pytest.mark.parametrize(
    "intent",
    [
        "ask_trafficking_info",
        "ask_bonded_labour_info",
        "ask_rights",
        "ask_reporting",
        "ask_job_offer",
    ],
)
def test_information_in_short_steps_with_numbered_choices(intent: str) -> None:
    """Rule 7 and 9: at most four choices plus 0; one question per message."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say(intent)
    assert [m.is_menu for m in replies] == [False, True]
    assert 1 <= len(replies[1].options) <= MAX_OPTIONS and replies[1].zero is not None
    deeper = dialogue.choose("1")
    assert deeper[0].key.startswith("info.")


def test_reporting_is_one_option_among_several() -> None:
    """Rule 15: police, FIA, courts and a person are choices; nothing reports on its own."""
    dialogue = Dialogue()
    dialogue.onboard()
    replies = dialogue.say("ask_reporting")
    option_keys = [o.key for o in replies[1].options]
    assert option_keys == [
        "option.topic.police",
        "option.topic.fia",
        "option.topic.court",
        "option.request_human",
    ]


def test_topic_entity_jumps_inside_a_flow() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    assert (
        dialogue.say("ask_rights", "passport", topic="id_documents")[0].key
        == "info.rights.id_documents"
    )


def test_more_services_pages_through_the_list() -> None:
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("find_service", "helpline", service_type="helpline")
    replies = dialogue.say("skip")  # no district: national helplines
    assert replies[0].key == "service.results"
    assert len([x for x in replies[0].listings if x.phone not in ("15", "1122")]) == 3
    if replies[-1].key == "service.more_ask":
        more = dialogue.choose("1")
        assert more[0].key == "service.results"


def test_every_menu_respects_the_four_option_limit() -> None:
    dialogue = Dialogue()
    seen = dialogue.say("greet")
    for intent in [
        "affirm",
        "affirm",
        "affirm",
        "find_service",
        "skip",
        "skip",
        "request_human",
        "deny",
    ]:
        seen += dialogue.say(intent)
    assert all(len(m.options) <= MAX_OPTIONS for m in seen)
    assert all(m.zero is not None for m in seen if m.options)


def _contact(database: Database) -> None:
    with database.session() as session:
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))


def _ask_for_a_person(dialogue: Dialogue) -> list[BotMessage]:
    dialogue.onboard()
    dialogue.say("request_human")
    dialogue.say("affirm")
    return dialogue.say("deny")


def test_a_kept_handoff_pauses_the_engine_and_marks_the_contact(database: Database) -> None:
    """DESIGN.md decision 6: Rasa is paused as a marker; the gateway routes to staff."""
    _contact(database)
    dialogue = Dialogue()
    assert keys(_ask_for_a_person(dialogue)) == ["handoff.requested"]
    assert dialogue.paused
    with database.session() as session:
        contact = session.get(Contact, "p_test")
        assert contact is not None and contact.engine_paused
        assert session.scalars(select(Ticket)).one().status == "queued"


def test_asking_twice_keeps_one_ticket(database: Database) -> None:
    _contact(database)
    dialogue = Dialogue()
    _ask_for_a_person(dialogue)
    dialogue.say("emergency", "help me")
    dialogue.say("affirm")
    dialogue.say("skip")
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.urgent  # the second, urgent request raised the first one


def _hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, week: str) -> None:
    path = tmp_path / "hours.yml"
    path.write_text(f"timezone: UTC\nweek: {week}\n", encoding="utf-8")
    monkeypatch.setenv("RAHNUMA_STAFF_HOURS_FILE", str(path))
    get_settings.cache_clear()


def test_outside_staff_hours_the_person_hears_when_and_gets_numbers_and_services(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogs: Catalogs
) -> None:
    """Rule 14: honest about when someone will be there; the ticket waits."""
    _contact(database)
    day = WEEKDAYS[(datetime.now(UTC).weekday() + 3) % 7]
    _hours(tmp_path, monkeypatch, f"{{{day}: ['09:00-17:00']}}")
    replies = _ask_for_a_person(Dialogue())
    assert keys(replies) == [
        "handoff.after_hours",
        "emergency.numbers",
        "handoff.services_meanwhile",
    ]
    when = replies[0].params["when"]
    assert when["key"] == "hours.on_day" and when["params"]["time"] == "09:00"
    rendered = render(replies[0], "en", Channel.SMS, catalogs)[0].text
    assert f"on {day.title()} at 09:00" in rendered
    assert replies[2].listings  # services open now, whatever the hour
    with database.session() as session:
        assert session.scalars(select(Ticket)).one().status == "queued"  # it waits


def test_tomorrow_is_said_as_tomorrow(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contact(database)
    day = WEEKDAYS[(datetime.now(UTC).weekday() + 1) % 7]
    _hours(tmp_path, monkeypatch, f"{{{day}: ['00:30-01:00']}}")
    replies = _ask_for_a_person(Dialogue())
    assert replies[0].params["when"] == {"key": "hours.tomorrow", "params": {"time": "00:30"}}


def test_with_no_staff_hours_at_all_nothing_is_promised(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contact(database)
    _hours(tmp_path, monkeypatch, "{}")
    assert keys(_ask_for_a_person(Dialogue()))[0] == "handoff.after_hours_unknown"


def test_a_broken_schedule_promises_nothing_but_keeps_the_request(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contact(database)
    _hours(tmp_path, monkeypatch, "{funday: ['09:00-17:00']}")
    assert keys(_ask_for_a_person(Dialogue()))[0] == "handoff.after_hours_unknown"
    with database.session() as session:
        assert session.scalars(select(Ticket)).one()
