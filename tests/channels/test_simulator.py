"""The simulator channel: the same replies a channel would send, and a mailbox for later ones."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from fastapi.testclient import TestClient

from bot.channels import SimulatedChannel
from bot.channels.simulator import MAILBOXES_KEPT, REPLIES_KEPT
from bot.wording.messages import BotMessage
from bot.wording.render import Reply
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.auxil.providers import FakeProviders


def test_answers_after_an_outage_reach_the_simulated_person(
    gateway: TestClient, engine: FakeEngine, providers: FakeProviders
) -> None:
    agreeing(engine)
    gateway.post("/simulator/messages", json={"channel": "sms", "from": "editor-1", "text": "1"})
    engine.reply = lambda body: httpx.ConnectError("down")
    body = {"channel": "sms", "from": "editor-1", "text": "I need a lawyer"}
    [holding] = gateway.post("/simulator/messages", json=body).json()["replies"]
    assert "1122" in holding["text"]
    assert gateway.get("/simulator/messages/editor-1").json() == {"replies": []}
    engine.reply = FakeEngine().reply
    assert asyncio.run(gateway.app.state.conversations.redeliver_pending()) == 1  # type: ignore[attr-defined]
    [later] = gateway.get("/simulator/messages/editor-1").json()["replies"]
    assert later["text"] == "How can I help you?"
    assert providers.sms == []  # a simulated person is never sent a real SMS


def test_simulated_and_real_people_never_share_a_conversation(
    gateway: TestClient, engine: FakeEngine
) -> None:
    gateway.post(
        "/simulator/messages", json={"channel": "sms", "from": "+923001234599", "text": "hi"}
    )
    from tests.channels.conftest import post_sms

    post_sms(gateway, "+923001234599", "hi", "SM900")
    assert engine.received[0]["sender"] != engine.received[1]["sender"]


def test_server_timing_tells_the_gateways_work_from_the_engines(
    gateway: TestClient, engine: FakeEngine
) -> None:
    """What `make bench` reads to split the gateway's overhead from Rasa's time."""
    slow_reply = engine.reply

    def slow(body: dict[str, object]) -> list[BotMessage] | Exception:
        time.sleep(0.2)
        return slow_reply(body)

    engine.reply = slow
    response = gateway.post(
        "/simulator/messages", json={"channel": "sms", "from": "bench-1", "text": "hello"}
    )
    found = re.fullmatch(
        r"gateway;dur=([\d.]+), engine;dur=([\d.]+)", response.headers["server-timing"]
    )
    assert found is not None
    gateway_ms, engine_ms = float(found[1]), float(found[2])
    assert 200 <= engine_ms < 1000 and gateway_ms < 200


def test_the_simulated_channel_is_a_sender_that_records_replies_and_deletions() -> None:
    simulated = SimulatedChannel()
    reply = Reply("hello", [], {}, 1, "GSM-7")
    assert asyncio.run(simulated.send("sim:a", [reply])) == []  # no ids: nothing to delete
    asyncio.run(simulated.delete("sim:a", [7, 8]))
    assert simulated.take("sim:a") == [reply]
    assert simulated.take("sim:a") == []
    assert simulated.deleted["sim:a"] == [7, 8]


def test_the_mailbox_stays_bounded_however_many_people_write() -> None:
    """Replies nobody fetches, and deletions, are kept in memory only within bounds (F19l)."""
    simulated = SimulatedChannel()
    reply = Reply("hello", [], {}, 1, "GSM-7")

    async def many() -> None:
        for n in range(3 * MAILBOXES_KEPT):
            await simulated.send(f"sim:{n}", [reply, reply])
            await simulated.delete(f"sim:{n}", [n])
        for _ in range(3 * REPLIES_KEPT):
            await simulated.send("sim:chatty", [reply])

    asyncio.run(many())
    addresses, entries = simulated.size()
    assert addresses <= 2 * MAILBOXES_KEPT  # each of the two maps keeps at most that many
    assert entries <= 2 * MAILBOXES_KEPT * 2 + REPLIES_KEPT
    assert len(simulated.take("sim:chatty")) == REPLIES_KEPT  # the newest
    assert simulated.take("sim:0") == []  # written to longest ago: gone first
    assert simulated.take(f"sim:{3 * MAILBOXES_KEPT - 1}") == [reply, reply]
