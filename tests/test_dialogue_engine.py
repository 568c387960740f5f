"""The engine client over several Rasa replicas: people spread out, a dead replica is
skipped, and a slow one is not asked twice."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest

from bot.dialogue_engine import DialogueEngine, EngineError
from bot.wording.messages import BotMessage

A, B = "http://engine-a:5005", "http://engine-b:5005"


class Replicas:
    def __init__(self) -> None:
        self.dead: set[str] = set()
        self.slow: set[str] = set()
        self.gateway_error: set[str] = set()
        self.served: Counter[str] = Counter()

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if host in self.dead:
            raise httpx.ConnectError("refused", request=request)
        if host in self.slow:
            raise httpx.ReadTimeout("slow", request=request)
        if host in self.gateway_error:
            return httpx.Response(503)
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        self.served[host] += 1
        if request.url.path.endswith("/tracker/events"):
            return httpx.Response(200, json={})
        body = json.loads(request.content)
        payload = BotMessage("menu.main").to_payload()
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "custom": payload}])


@pytest.fixture
def replicas() -> Replicas:
    return Replicas()


def engine(replicas: Replicas) -> DialogueEngine:
    client = httpx.AsyncClient(transport=httpx.MockTransport(replicas.handler))
    return DialogueEngine(f"{A}, {B}", "token", 1.0, client)


async def test_people_spread_over_the_replicas_and_keep_their_home(replicas: Replicas) -> None:
    rasa = engine(replicas)
    for number in range(40):
        await rasa.send(f"p_{number}", "hello", {})
    assert replicas.served[A] > 5 and replicas.served[B] > 5
    before = dict(replicas.served)
    for _ in range(3):
        await rasa.send("p_7", "again", {})
    moved = {host: replicas.served[host] - before[host] for host in (A, B)}
    assert sorted(moved.values()) == [0, 3]  # one person, one home replica
    assert [r.answered for r in rasa.replicas] == [replicas.served[A], replicas.served[B]]


async def test_a_dead_replica_is_skipped(replicas: Replicas) -> None:
    rasa = engine(replicas)
    replicas.dead.add(A)
    for number in range(10):
        assert await rasa.send(f"p_{number}", "hello", {}) == [BotMessage("menu.main")]
    assert replicas.served[B] == 10
    assert await rasa.health() == {"1": False, "2": True}
    assert await rasa.is_healthy()


async def test_a_proxy_error_counts_as_unreachable(replicas: Replicas) -> None:
    rasa = engine(replicas)
    replicas.gateway_error.add(A)
    for number in range(6):
        await rasa.send(f"p_{number}", "hello", {})
    assert replicas.served[B] == 6


async def test_a_slow_replica_is_not_asked_again_elsewhere(replicas: Replicas) -> None:
    """It may still answer: a second replica would process the same message twice."""
    rasa = engine(replicas)
    replicas.slow.update({A, B})
    with pytest.raises(EngineError):
        await rasa.send("p_1", "hello", {})
    assert sum(replicas.served.values()) == 0


async def test_all_dead_is_an_engine_error(replicas: Replicas) -> None:
    rasa = engine(replicas)
    replicas.dead.update({A, B})
    with pytest.raises(EngineError):
        await rasa.send("p_1", "hello", {})
    with pytest.raises(EngineError):
        await rasa.resume("p_1")
    assert not await rasa.is_healthy()


async def test_resume_reaches_a_live_replica(replicas: Replicas) -> None:
    rasa = engine(replicas)
    replicas.dead.add(A)
    await rasa.resume("p_1")
    assert replicas.served[B] == 1


def test_an_empty_url_list_is_refused() -> None:
    with pytest.raises(ValueError, match="no engine URL"):
        DialogueEngine(" , ", "token", 1.0, httpx.AsyncClient())


async def test_a_turn_the_engine_could_not_finish_is_an_engine_error() -> None:
    """engine/private_rasa.py answers a turn whose tracker store failed with one
    `failed` item: the gateway then gives the numbers and keeps the message, instead of
    passing on half a turn (tests/ops/test_private_rasa.py checks the engine's side)."""

    def failed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"recipient_id": "p_1", "custom": {"failed": True}}])

    client = httpx.AsyncClient(transport=httpx.MockTransport(failed))
    with pytest.raises(EngineError):
        await DialogueEngine(A, "token", 1.0, client).send("p_1", "hello", {})
