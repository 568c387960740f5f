"""Retention: after the period, nothing older survives, in the gateway store or in Rasa's
tracker store, unless a ticket the person agreed to is still open. Time is fast-forwarded
by purging "as of" a later moment. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.cli import main
from bot.console import audit
from bot.handoff.queue import add_message, open_ticket
from bot.privacy.erasure import TrackerStore
from bot.privacy.retention import purge
from bot.store import (
    AuditEntry,
    Author,
    ChatMessage,
    CloseReason,
    Contact,
    Database,
    InboundReceipt,
    PendingMessage,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from bot.store.models import utcnow
from tests.privacy.conftest import add_event, dump

RETENTION = timedelta(days=30)


def person(db: Database, pid: str, days_ago: float = 0) -> None:
    seen = utcnow() - timedelta(days=days_ago)
    with db.session() as session:
        session.add(
            Contact(pseudonym=pid, channel="sms", address_sealed=b"sealed-" + pid.encode(),
                    language="en", created_at=seen, last_seen_at=seen)
        )  # fmt: skip


def ticket(db: Database, pid: str, *, closed_days_ago: float | None = None) -> int:
    with db.session() as session:
        opened = open_ticket(session, pid, urgent=False, wants_woman_worker=None)
        add_message(session, opened, Author.SURVIVOR, b"sealed text of " + pid.encode())
        audit.record(session, None, "viewed conversation", ticket_id=opened.id, username="amina")
        if closed_days_ago is not None:
            opened.status = TicketStatus.CLOSED
            opened.closed_at = utcnow() - timedelta(days=closed_days_ago)
        return opened.id


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def events_of(trackers: TrackerStore, sender: str) -> int:
    with trackers.engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar_one()


def test_inactive_people_are_erased_everywhere(database: Database, trackers: TrackerStore) -> None:
    person(database, "p_gone", days_ago=31)
    person(database, "p_here", days_ago=1)
    ticket(database, "p_gone", closed_days_ago=31)
    with database.session() as session:
        session.add(PendingMessage(pseudonym="p_gone", text_sealed=b"x"))
        session.add(ChatMessage(pseudonym="p_gone", message_id=7))
    add_event(
        trackers, "p_gone", "they took my passport", at=(utcnow() - timedelta(days=31)).timestamp()
    )
    add_event(trackers, "p_here", "hello")
    purged = purge(database, trackers, retention=RETENTION)
    assert purged.people == 1
    everything = dump(database.engine) + dump(trackers.engine)
    assert "p_gone" not in everything and "passport" not in everything
    assert "p_here" in everything
    assert events_of(trackers, "p_here") == 1
    with database.session() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.ticket_id, entry.detail) == (None, "expired")  # accountable, not linkable


def test_an_open_ticket_keeps_the_person_and_their_tracker(
    database: Database, trackers: TrackerStore
) -> None:
    person(database, "p_waiting", days_ago=40)
    ticket(database, "p_waiting")  # open: they agreed, a worker has not finished
    old = (utcnow() - timedelta(days=40)).timestamp()
    add_event(trackers, "p_waiting", "I need help", at=old)
    purge(database, trackers, retention=RETENTION)
    assert (
        count(database, Contact) == count(database, Ticket) == count(database, TicketMessage) == 1
    )
    assert events_of(trackers, "p_waiting") == 1


def test_a_ticket_nobody_claimed_for_the_whole_period_keeps_nothing_forever(
    database: Database, trackers: TrackerStore
) -> None:
    """F19n: a queued ticket held its person, transcript and whole tracker for ever. After
    the period it closes as expired; a person gone quiet is then erased like anyone, and one
    still writing stays reachable, without what is older than the period."""
    long_ago = (utcnow() - timedelta(days=40)).timestamp()
    person(database, "p_quiet", days_ago=35)
    person(database, "p_writing", days_ago=1)
    person(database, "p_recent", days_ago=29)
    person(database, "p_claimed", days_ago=1)
    for pid, asked_days_ago in [
        ("p_quiet", 35), ("p_writing", 31), ("p_recent", 29), ("p_claimed", 40)
    ]:  # fmt: skip
        opened = ticket(database, pid)
        with database.session() as session:
            stored = session.get(Ticket, opened)
            assert stored is not None and stored.status is TicketStatus.QUEUED
            stored.created_at = utcnow() - timedelta(days=asked_days_ago)
            if pid == "p_claimed":  # a worker has it: closed by the desk after a silence
                stored.status = TicketStatus.CLAIMED
            contact = session.get(Contact, pid)
            assert contact is not None
            contact.engine_paused = True  # as the action that opened the ticket left it
        add_event(trackers, pid, f"before consent {pid}", at=long_ago)
        add_event(trackers, pid, f"lately {pid}")

    purged = purge(database, trackers, retention=RETENTION)

    assert (purged.unclaimed, purged.people) == (2, 1)
    everything = dump(database.engine) + dump(trackers.engine)
    assert "p_quiet" not in everything  # erased: contact, ticket, transcript, tracker
    with database.session() as session:
        statuses = {
            t.pseudonym: (t.status, t.close_reason) for t in session.scalars(select(Ticket))
        }
        writing = session.get(Contact, "p_writing")
        assert writing is not None and writing.engine_paused  # the engine resumes when they write
    assert statuses == {
        "p_writing": (TicketStatus.CLOSED, CloseReason.EXPIRED),
        "p_recent": (TicketStatus.QUEUED, None),
        "p_claimed": (TicketStatus.CLAIMED, None),
    }
    assert "before consent p_writing" not in everything  # no longer kept by an open ticket
    assert "lately p_writing" in everything
    assert "before consent p_recent" in everything and "before consent p_claimed" in everything


def test_closed_transcripts_and_old_events_expire_for_active_people_too(
    database: Database, trackers: TrackerStore
) -> None:
    """Rule 19: transcripts expire unless a case is open with consent."""
    person(database, "p_back", days_ago=2)
    ticket(database, "p_back", closed_days_ago=31)
    recent = ticket(database, "p_back", closed_days_ago=3)
    add_event(trackers, "p_back", "old words", at=(utcnow() - timedelta(days=31)).timestamp())
    add_event(trackers, "p_back", "new words")
    purge(database, trackers, retention=RETENTION)
    with database.session() as session:
        assert session.scalars(select(Ticket.id)).all() == [recent]
    assert events_of(trackers, "p_back") == 1
    assert "old words" not in dump(trackers.engine)


def test_fast_forwarding_past_the_period_leaves_nothing_about_anyone(
    database: Database, trackers: TrackerStore
) -> None:
    for pid in ["p_1", "p_2"]:
        person(database, pid)
        ticket(database, pid, closed_days_ago=0)
        add_event(trackers, pid, f"words of {pid}")
    with database.session() as session:
        session.add(InboundReceipt(channel="sms", external_id="SM123"))
    purge(database, trackers, retention=RETENTION, now=utcnow() + timedelta(days=31))
    for model in (Contact, Ticket, TicketMessage, PendingMessage, ChatMessage, InboundReceipt):
        assert count(database, model) == 0, model.__name__
    assert events_of(trackers, "p_1") == events_of(trackers, "p_2") == 0
    everything = dump(database.engine) + dump(trackers.engine)
    assert "p_1" not in everything and "words of" not in everything


def test_provider_message_ids_are_kept_for_the_whole_period(
    database: Database, trackers: TrackerStore
) -> None:
    """A Twilio signature carries no time: a request captured on the way could be replayed
    once its message id was forgotten, so the ids stay as long as anything else (F19f)."""
    with database.session() as session:
        for sid, days_ago in [("SM_3_days", 3), ("SM_29_days", 29), ("SM_31_days", 31)]:
            received = utcnow() - timedelta(days=days_ago)
            session.add(InboundReceipt(channel="sms", external_id=sid, received_at=received))
    purge(database, trackers, retention=RETENTION)
    with database.session() as session:
        kept = set(session.scalars(select(InboundReceipt.external_id)))
    assert kept == {"SM_3_days", "SM_29_days"}


def test_nothing_younger_than_the_period_goes(database: Database, trackers: TrackerStore) -> None:
    person(database, "p_new", days_ago=29)
    ticket(database, "p_new", closed_days_ago=29)
    add_event(trackers, "p_new", "hello", at=(utcnow() - timedelta(days=29)).timestamp())
    assert purge(database, trackers, retention=RETENTION).people == 0
    assert count(database, Ticket) == 1 and events_of(trackers, "p_new") == 1


def test_purge_from_the_command_line(
    database: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    person(database, "p_cli", days_ago=0)
    assert main(["purge"]) == 0
    assert count(database, Contact) == 1
    later = (utcnow() + timedelta(days=31)).date().isoformat()
    assert main(["purge", "--as-of", later]) == 0
    assert count(database, Contact) == 0
    assert "1 people" in capsys.readouterr().out


def test_a_conversation_saved_again_after_its_person_was_erased_is_forgotten(
    database: Database, trackers: TrackerStore
) -> None:
    """Review F18: a turn another gateway had in the engine while this one erased the
    person saves the whole conversation again. Nobody we know owns it: the purge forgets it,
    and keeps every conversation of someone we know, however recent."""
    person(database, "p_known")
    add_event(trackers, "p_known", "mera naam Sana hai")
    add_event(trackers, "p_erased", "main Lahore mein hoon")  # saved again after DELETE
    result = purge(database, trackers, retention=RETENTION)
    assert result.strangers == 1
    assert trackers.senders() == {"p_known"}
    assert "Lahore" not in dump(trackers.engine) and "Sana" in dump(trackers.engine)
