"""Rotating the address key and the pseudonym key loses no one's conversation or opt-out.
SQLite and PostgreSQL (both stores)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from bot.channels import SIMULATED_PREFIX, Inbound
from bot.cli import main
from bot.config import get_settings
from bot.console.auth import add_staff
from bot.console.two_factor import check_code, confirm_enrolment, start_enrolment
from bot.conversation.service import Conversations
from bot.handoff.queue import open_ticket
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault, pseudonym
from bot.privacy.key_rotation import Keys, new_address_key, new_pseudonym_key, rotate_keys
from bot.store import Contact, Database, Role, StaffMember, Ticket
from bot.wording.catalogs import Catalogs
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.pipeline import pipeline
from tests.privacy.conftest import add_event, dump

OLD = Keys("old-pseudonym-key", new_address_key())
NEW = Keys(new_pseudonym_key(), new_address_key())
TALKER = SIMULATED_PREFIX + "+923215550101"
QUIET = SIMULATED_PREFIX + "+923215550102"

Bot = Callable[[Keys], AbstractAsyncContextManager[Conversations]]


@pytest.fixture
def bot(database: Database, trackers: TrackerStore, catalogs: Catalogs) -> Bot:
    @asynccontextmanager
    async def running(keys: Keys) -> AsyncIterator[Conversations]:
        engine = FakeEngine()
        async with engine.client() as client:
            yield pipeline(
                database, trackers, catalogs, client,
                address_key=keys.address_key, pseudonym_key=keys.pseudonym_key,
            ).conversations  # fmt: skip

    return running


async def says(conversations: Conversations, address: str, words: str) -> list[str]:
    outcome = await conversations.handle(Inbound(Channel.SMS, address, words))
    return [reply.text for reply in outcome.replies]


async def test_rotation_keeps_conversations_tickets_and_opt_outs(
    bot: Bot, database: Database, trackers: TrackerStore
) -> None:
    old_talker = pseudonym(OLD.pseudonym_key, "sms", TALKER)
    async with bot(OLD) as before:
        await says(before, TALKER, "مجھے مدد چاہیے")  # Urdu: remembered as ur
        await says(before, QUIET, "hello")
        await says(before, QUIET, "STOP")
        with database.session() as session:
            ticket_id = open_ticket(session, old_talker, urgent=True, wants_woman_worker=True).id
        await says(before, TALKER, "my employer kept my ID card")
        assert before.desk is not None
        before.desk.save_summary(ticket_id, "ID card withheld")
        add_event(trackers, old_talker, "the words Rasa kept")

    rotated = rotate_keys(database, trackers, OLD, NEW)
    assert (rotated.people, rotated.tracker_events) == (2, 1)

    new_talker = pseudonym(NEW.pseudonym_key, "sms", TALKER)
    everything = dump(database.engine) + dump(trackers.engine)
    assert old_talker not in everything and new_talker in everything
    with database.session() as session:
        contact = session.get(Contact, new_talker)
        assert contact is not None and contact.language == "ur"
        with pytest.raises(ValueError, match="decrypted"):
            Vault(OLD.address_key).open(contact.address_sealed)  # the old key is useless now

    async with bot(NEW) as after:
        assert after.desk is not None
        assert await says(after, TALKER, "are you there?") == []  # still with staff
        lines = [m.text for m in after.desk.conversation(ticket_id)]
        assert lines == ["my employer kept my ID card", "are you there?"]
        with database.session() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None and ticket.pseudonym == new_talker
            assert after.desk.summary(ticket) == "ID card withheld"
        assert await says(after, QUIET, "hello") == []  # the opt-out held
        with database.session() as session:
            assert session.scalars(select(Contact.pseudonym)).all().__len__() == 2


async def test_rotating_again_with_the_same_keys_changes_nothing(
    bot: Bot, database: Database, trackers: TrackerStore
) -> None:
    async with bot(OLD) as before:
        await says(before, TALKER, "hello")
    add_event(trackers, pseudonym(OLD.pseudonym_key, "sms", TALKER), "hi")
    rotate_keys(database, trackers, OLD, NEW)
    again = rotate_keys(database, trackers, OLD, NEW)  # e.g. after a crash, by hand
    assert (again.people, again.tracker_events) == (1, 0)
    async with bot(NEW) as after:
        await says(after, TALKER, "hello again")
    with database.session() as session:
        assert len(session.scalars(select(Contact)).all()) == 1


async def test_rotation_from_the_command_line(
    bot: Bot,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with bot(OLD) as before:
        await says(before, TALKER, "hello")
    monkeypatch.setenv("RAHNUMA_PSEUDONYM_KEY", OLD.pseudonym_key)
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", OLD.address_key)
    get_settings.cache_clear()
    assert main(["keys", "rotate"]) == 1  # no new key given: nothing to do
    monkeypatch.setenv("RAHNUMA_NEW_PSEUDONYM_KEY", NEW.pseudonym_key)
    monkeypatch.setenv("RAHNUMA_NEW_ADDRESS_KEY", NEW.address_key)
    assert main(["keys", "rotate"]) == 0
    assert "1 people" in capsys.readouterr().out
    with database.session() as session:
        assert session.get(Contact, pseudonym(NEW.pseudonym_key, "sms", TALKER)) is not None


def test_wrong_current_keys_change_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with database.session() as session:
        session.add(Contact(pseudonym="p_x", channel="sms", language="en",
                            address_sealed=Vault(OLD.address_key).seal("+923000000000")))  # fmt: skip
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", new_address_key())  # not the one in use
    monkeypatch.setenv("RAHNUMA_NEW_ADDRESS_KEY", NEW.address_key)
    get_settings.cache_clear()
    assert main(["keys", "rotate"]) == 1
    assert "Are the current keys right?" in capsys.readouterr().err
    with database.session() as session:
        contact = session.get(Contact, "p_x")
        assert contact is not None
        assert Vault(OLD.address_key).open(contact.address_sealed) == "+923000000000"


def test_staff_two_step_sign_in_survives_a_rotation(
    database: Database, trackers: TrackerStore
) -> None:
    """The secret is sealed again, not changed: the app on the phone and the recovery codes
    written down keep working with the new key."""
    with database.session() as session:
        staff = add_staff(session, username="sara", display_name="Sara", role=Role.ADMIN,
                          password="a long enough password")  # fmt: skip
        secret = start_enrolment(staff, Vault(OLD.address_key))
        moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        codes = confirm_enrolment(session, staff, Vault(OLD.address_key),
                                  pyotp.TOTP(secret).at(moment), moment)  # fmt: skip
    assert codes
    rotated = rotate_keys(database, trackers, OLD, NEW)
    assert rotated.sealed == 1
    later = moment + timedelta(minutes=1)
    with database.session() as session:
        sara = session.scalars(select(StaffMember)).one()
        assert sara.totp_sealed is not None
        with pytest.raises(ValueError, match="decrypted"):
            Vault(OLD.address_key).open(sara.totp_sealed)
        vault = Vault(NEW.address_key)
        assert check_code(session, sara, vault, pyotp.TOTP(secret).at(later), later)
        assert check_code(session, sara, vault, codes[0], later)


def test_new_keys_are_fresh() -> None:
    assert new_address_key() != new_address_key()
    Vault(new_address_key())  # a valid Fernet key
    assert len(new_pseudonym_key()) >= 64
