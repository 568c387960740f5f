"""Each message's turn has an id the engine knows it by, the same every time the message is
sent again (engine/turns_once.py answers a turn it already finished from its record): after
a request that timed out while the engine may have gone on answering, and after a gateway
died holding the message. A new message never reuses one."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.channels.base import Inbound
from bot.channels.inbox import Inbox
from bot.privacy.identity import Vault
from bot.privacy.key_rotation import new_address_key
from bot.store import Database, InboundMessage
from bot.store.models import utcnow
from bot.wording.messages import BotMessage
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine, agreeing


def turns(engine: FakeEngine) -> list[str]:
    return [body["metadata"]["turn"] for body in engine.received]


def test_every_message_has_a_turn_of_its_own(gateway: TestClient, engine: FakeEngine) -> None:
    for words in ("hello", "1", "I need a lawyer", "I need a lawyer"):
        body = {"channel": "sms", "from": "turns-1", "text": words}
        gateway.post("/simulator/messages", json=body)
    assert len(set(turns(engine))) == 4 and all(turns(engine))


def test_a_message_the_engine_may_still_be_answering_is_sent_again_as_the_same_turn(
    gateway: TestClient, engine: FakeEngine
) -> None:
    agreeing(engine)
    gateway.post("/simulator/messages", json={"channel": "sms", "from": "turns-2", "text": "1"})

    def too_slow(body: dict[str, Any]) -> list[BotMessage] | Exception:
        return httpx.ReadTimeout("the engine went on answering")

    engine.reply = too_slow
    body = {"channel": "sms", "from": "turns-2", "text": "I need a lawyer"}
    gateway.post("/simulator/messages", json=body)
    engine.reply = FakeEngine().reply
    conversations = gateway.app.state.conversations  # type: ignore[attr-defined]
    assert asyncio.run(conversations.redeliver_pending()) == 1
    first, again = engine.received[-2:]
    assert first["message"] == again["message"] == "I need a lawyer"
    assert first["metadata"]["turn"] == again["metadata"]["turn"]
    assert turns(engine).count(first["metadata"]["turn"]) == 2  # no other message shares it


def test_a_message_claimed_again_after_its_gateway_died_keeps_its_turn(
    database: Database,
) -> None:
    inbox = Inbox(database, Vault(new_address_key()))
    inbox.accept(Inbound(Channel.SMS, "+923001234599", "m0"), "p_one", "SM1")
    inbox.accept(Inbound(Channel.SMS, "+923001234599", "m1"), "p_one", "SM2")
    first = inbox.claim_oldest("p_one")
    assert first is not None and first.inbound.turn
    with database.session() as session:  # the claiming gateway died: its lease runs out
        session.execute(
            update(InboundMessage)
            .values(claimed_until=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    again = inbox.claim_oldest("p_one")
    assert again is not None and again.inbound.turn == first.inbound.turn
    with database.session() as session:
        inbox.answered(session, again)
    after = inbox.claim_oldest("p_one")
    assert after is not None and after.inbound.turn not in (None, first.inbound.turn)
