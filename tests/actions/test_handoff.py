"""Asking for a person through the real actions, and what the person is told in and out of
staff hours (SAFETY.md rules 6, 14, 18; DESIGN.md decision 6)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import get_settings
from bot.handoff.hours import WEEKDAYS
from bot.store import Contact, Database, Ticket
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage
from bot.wording.render import Channel, render
from tests.auxil.dialogue import Dialogue, keys


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


def test_an_editors_preview_hears_the_handoff_but_opens_no_ticket(database: Database) -> None:
    """The preview runs the real actions: asking for a person says what a survivor would
    read, and nothing lands in the workers' queue; the bot goes on talking."""
    with database.session() as session:
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))
    dialogue = Dialogue(preview=True)
    dialogue.onboard()
    assert keys(dialogue.say("request_human")) == ["handoff.ask_consent"]
    dialogue.say("affirm")
    assert keys(dialogue.choose("1")) == ["handoff.requested"]
    dialogue.say("emergency", "help they are beating me")
    assert "handoff.requested" in keys(dialogue.say("affirm"))
    assert not dialogue.paused
    with database.session() as session:
        assert session.scalars(select(Ticket)).all() == []
        assert session.get_one(Contact, "p_test").engine_paused is False
