"""What staff see of a ticket and its lines: language, channel, names, SMS segments, and
nothing that identifies the person."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.console.rows import shown_message, ticket_row
from bot.handoff.desk import ShownMessage
from bot.store import Author, Contact, Ticket, TicketStatus
from bot.wording.catalogs import Catalogs

AT = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
PSEUDONYM = "c0ffee" * 8


def contact(channel: str = "sms", language: str = "en") -> Contact:
    return Contact(pseudonym=PSEUDONYM, channel=channel, address_sealed=b"-", language=language)


def a_ticket(claimed_by: int | None = None) -> Ticket:
    return Ticket(
        id=7,
        pseudonym=PSEUDONYM,
        status=TicketStatus.CLAIMED if claimed_by else TicketStatus.QUEUED,
        urgent=True,
        wants_woman_worker=True,
        claimed_by=claimed_by,
        created_at=AT,
        updated_at=AT,
    )


def line(author: Author, text: str = "hello", staff_id: int | None = None) -> ShownMessage:
    return ShownMessage(id=1, author=author, staff_id=staff_id, text=text, sent_at=AT)


def test_a_row_names_language_channel_and_worker_never_the_person(catalogs: Catalogs) -> None:
    row = ticket_row(a_ticket(claimed_by=3), contact("telegram", "ur"), {3: "Amina"}, catalogs)
    assert (row.id, row.urgent, row.wants_woman_worker) == (7, True, True)
    assert row.channel == "Telegram" and row.claimed_by == "Amina"
    assert row.language == f"{catalogs.render('ur', 'language.name')} (ur)"
    assert PSEUDONYM not in str(dataclasses.asdict(row))


def test_a_row_without_its_contact_still_shows(catalogs: Catalogs) -> None:
    row = ticket_row(a_ticket(), None, {}, catalogs)
    assert row.channel == "-" and row.language.endswith("(en)") and row.claimed_by == ""


def test_each_line_says_who_wrote_it() -> None:
    names = {3: "Amina"}
    who = {
        author: shown_message(line(author, staff_id=staff), names, contact())["who"]
        for author, staff in [
            (Author.SURVIVOR, None),
            (Author.BOT, None),
            (Author.NOTE, None),
            (Author.HELD, 3),
            (Author.STAFF, 3),
        ]
    }
    assert who[Author.SURVIVOR] == "Person" and who[Author.STAFF] == "Amina"
    assert who[Author.HELD].startswith("Held, not sent")  # not the worker's name
    unknown = shown_message(line(Author.STAFF, staff_id=99), names, contact())
    assert unknown["who"] == "Support worker"  # an account since deleted


def test_sms_lines_show_what_they_cost_and_notes_cost_nothing() -> None:
    long = "x" * 200  # two GSM-7 segments
    assert shown_message(line(Author.STAFF, long, 3), {}, contact("sms"))["segments"] == 2
    assert shown_message(line(Author.SURVIVOR, "hi"), {}, contact("sms"))["segments"] == 1
    assert shown_message(line(Author.NOTE, long), {}, contact("sms"))["segments"] == 0
    assert shown_message(line(Author.HELD, long, 3), {}, contact("sms"))["segments"] == 0
    assert shown_message(line(Author.STAFF, long, 3), {}, contact("telegram"))["segments"] == 0
