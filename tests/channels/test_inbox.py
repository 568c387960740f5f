"""Nothing lost between "received" and the answer (issue 18): a message is written, sealed,
before the provider hears 200; when the database can't take it the provider is told to send
it again; one gateway at a time answers it, in order per person; what a stopped or dead
gateway left is answered by the chore; and the answer's writing removes it, once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.channels.base import Inbound
from bot.channels.inbox import LEFT_AFTER, Inbox
from bot.conversation.answering import Answering
from bot.privacy.identity import Vault
from bot.privacy.key_rotation import new_address_key
from bot.store import Database, InboundMessage, InboundReceipt
from bot.store.models import utcnow
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms
from tests.privacy.conftest import dump

PHONE = "+923001234599"
WORDS = "mera naam Zarmina hai"


def intake_of(gateway: TestClient) -> Answering:
    intake: Answering = gateway.app.state.intake  # type: ignore[attr-defined]
    return intake


def inbox(database: Database) -> Inbox:
    return Inbox(database, Vault(new_address_key()))


def test_a_kept_message_is_sealed_and_a_providers_retry_is_not_a_second(
    database: Database,
) -> None:
    kept = inbox(database)
    message = Inbound(Channel.SMS, PHONE, WORDS)
    assert kept.accept(message, "p_one", "SM1")
    assert not kept.accept(message, "p_one", "SM1")  # Twilio's retry of the same message
    stored = dump(database.engine)
    assert PHONE not in stored and PHONE.lstrip("+") not in stored and "Zarmina" not in stored
    waiting = kept.claim_oldest("p_one")
    assert waiting is not None
    assert waiting.inbound == replace(message, turn=f"inbox-{waiting.id}")  # test_turn_ids.py
    assert kept.depth() == 1


def test_one_of_a_persons_messages_at_a_time_and_in_order(database: Database) -> None:
    kept = inbox(database)
    for number in range(3):
        assert kept.accept(Inbound(Channel.SMS, PHONE, f"m{number}"), "p_one", f"SM{number}")
    assert kept.accept(Inbound(Channel.SMS, "+923001111111", "other"), "p_two", "SM9")
    first = kept.claim_oldest("p_one")
    assert first is not None and first.inbound.text == "m0"
    assert kept.claim_oldest("p_one") is None  # m1 must not overtake m0 (another gateway)
    other = kept.claim_oldest("p_two")  # someone else's message is not held up
    assert other is not None and other.inbound.text == "other"
    kept.done(first)
    second = kept.claim_oldest("p_one")
    assert second is not None and second.inbound.text == "m1"
    kept.release(second)  # a stopping gateway gives it back: claimable again at once
    again = kept.claim_oldest("p_one")
    assert again is not None and again.id == second.id


def test_a_dead_gateways_claims_run_out_and_are_left_behind(database: Database) -> None:
    kept = inbox(database)
    kept.accept(Inbound(Channel.SMS, PHONE, "m0"), "p_one", "SM1")
    kept.accept(Inbound(Channel.SMS, PHONE, "m1"), "p_two", "SM2")
    assert kept.claim_oldest("p_one") is not None  # then the gateway died
    assert kept.left_behind() == []  # fresh: their own tasks are on them
    with database.session() as session:
        session.execute(
            update(InboundMessage)
            .values(received_at=utcnow() - LEFT_AFTER - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    assert kept.left_behind() == ["p_two"]  # p_one's claim still holds
    with database.session() as session:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.pseudonym == "p_one")
            .values(claimed_until=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    assert kept.left_behind() == ["p_one", "p_two"]
    assert kept.claim_oldest("p_one") is not None


def test_a_database_that_cannot_keep_the_message_makes_twilio_send_it_again(
    gateway: TestClient, providers: FakeProviders, tmp_path: Path
) -> None:
    intake = intake_of(gateway)
    working = intake.inbox.db
    # A database that can't take the write (no tables in it: an OperationalError, as from a
    # PostgreSQL restarting), at the storage seam.
    intake.inbox.db = Database(f"sqlite:///{tmp_path}/empty.db")
    try:
        refused = post_sms(gateway, PHONE, WORDS, "SM70")
    finally:
        intake.inbox.db = working
    assert refused.status_code == 503  # Twilio (with its retry overrides) sends it again
    assert providers.sms_to(PHONE) == []
    assert post_sms(gateway, PHONE, WORDS, "SM70").status_code == 200  # the retry
    assert len(providers.sms_to(PHONE)) >= 1
    answered = len(providers.sms_to(PHONE))
    assert post_sms(gateway, PHONE, WORDS, "SM70").status_code == 200  # and again: not new
    assert len(providers.sms_to(PHONE)) == answered


def test_what_a_stopped_gateway_left_is_answered_once_by_the_chore(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    intake = intake_of(gateway)
    # Written, as the webhook does, but never answered: the gateway stopped right then.
    pid = intake.receive(Inbound(Channel.SMS, PHONE, WORDS), "SM80")
    assert pid is not None
    db: Database = intake.inbox.db
    with db.session() as session:
        session.execute(
            update(InboundMessage)
            .values(received_at=utcnow() - LEFT_AFTER - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    assert asyncio.run(intake.answer_left_behind()) == 1
    assert len(engine.received) == 1 and engine.received[0]["message"] == WORDS
    answered = providers.sms_to(PHONE)
    assert answered
    assert asyncio.run(intake.answer_left_behind()) == 0  # once
    assert providers.sms_to(PHONE) == answered
    with db.session() as session:
        assert session.scalars(select(InboundMessage)).all() == []
        assert len(session.scalars(select(InboundReceipt)).all()) == 1


def test_kept_engine_messages_are_answered_once_by_gateways_at_the_same_time(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """Every gateway's chore answers what waited for the engine: each message once."""
    agreeing(engine)
    post_sms(gateway, PHONE, "yes", "SM90")
    engine.reply = lambda body: httpx.ConnectError("down")
    post_sms(gateway, PHONE, "I need a lawyer", "SM91")
    engine.reply = FakeEngine().reply
    before = len(providers.sms_to(PHONE))
    conversations = intake_of(gateway).conversations

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)  # a real engine takes a while: the other chore runs then
        return engine.handler(request)

    async def two_chores() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
            conversations.engine._client = client  # the engine's transport seam
            chores = [conversations.redeliver_pending(), conversations.redeliver_pending()]
            return list(await asyncio.gather(*chores))

    assert sorted(asyncio.run(two_chores())) == [0, 1]
    assert len(providers.sms_to(PHONE)) == before + 1
