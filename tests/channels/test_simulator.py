"""The simulator channel: the same replies a channel would send, and a mailbox for later ones."""

from __future__ import annotations

import asyncio

import httpx
from fastapi.testclient import TestClient

from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders


def test_answers_after_an_outage_reach_the_simulated_person(
    gateway: TestClient, engine: FakeEngine, providers: FakeProviders
) -> None:
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
