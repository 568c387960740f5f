"""Beyond one machine: two Rasa replicas sharing the PostgreSQL tracker store and the Redis
lock store, behind two gateways sharing PostgreSQL. Against this machine's real
PostgreSQL and Redis (CI points DATABASE_URL at PostgreSQL).

One survivor's concurrent messages are answered in order, many survivors spread over both
replicas, a killed replica loses no message, and one webhook delivered to both gateways is
answered once.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from bot.config import ROOT, Environment, Settings
from bot.ops.stack import Ports, Stack
from bot.privacy.identity import pseudonym
from bot.wording.catalogs import Catalogs
from tests.auxil.channel_survivor import SmsSurvivor, wait_for
from tests.auxil.providers import TWILIO_SID, TWILIO_TOKEN, FakeProviders
from tests.auxil.services import free_port, fresh_postgres_database
from tests.conftest import HAS_POSTGRES, POSTGRES_URL, write_always_staffed

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not HAS_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL"),
]

REDIS_URL = os.environ.get("RAHNUMA_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASE = "rahnuma_scale_out"


@dataclass
class ScaledOut:
    stack: Stack  # actions, two engines, gateway 1
    second: Stack  # gateway 2, the same engines in the other order
    one: httpx.Client
    two: httpx.Client


@pytest.fixture(scope="module")
def scaled(
    tmp_path_factory: pytest.TempPathFactory, providers: FakeProviders
) -> Iterator[ScaledOut]:
    workdir: Path = tmp_path_factory.mktemp("scale-out")
    shutil.copytree(ROOT / "locales", workdir / "locales", ignore=shutil.ignore_patterns("*.mo"))
    url = fresh_postgres_database(POSTGRES_URL, DATABASE)
    ports = Ports(free_port(), free_port(), free_port(), more_engines=(free_port(),))
    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        tracker_db_url=url,
        redis_url=REDIS_URL,
        public_url=f"http://127.0.0.1:{ports.gateway}",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+15005550006",
        twilio_api_url=f"{providers.url}/twilio",
        locales_dir=workdir / "locales",
        published_dir=workdir / "published",
        staff_hours_file=write_always_staffed(workdir),
    )
    stack = Stack(settings, ports, workdir=workdir)
    reversed_ports = Ports(free_port(), ports.more_engines[0], ports.actions, (ports.engine,))
    second = Stack(settings, reversed_ports, workdir=workdir / "second")
    try:
        stack.start(engine=False, gateway=False)
        # One after the other: both would create the tracker's table at once. Rasa creates it
        # before it loads the model, so the second need not wait for the first to load.
        stack.start_engine(only=1)
        wait_for_tracker_table(stack, url)
        stack.start_engine(only=2)
        stack.start(engine=False, actions=False)
        stack.wait_healthy(timeout=240)
        second.start(engine=False, actions=False)
        second.wait_healthy(timeout=120)
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{ports.gateway}", timeout=60) as one,
            httpx.Client(base_url=f"http://127.0.0.1:{reversed_ports.gateway}", timeout=60) as two,
        ):
            yield ScaledOut(stack, second, one, two)
    finally:
        second.stop()
        stack.stop()


def wait_for_tracker_table(stack: Stack, url: str, timeout: float = 240.0) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while not inspect(engine).has_table("events"):
            if stack.processes["engine"].poll() is not None:
                raise RuntimeError(f"engine exited:\n{stack.log_tail('engine')}")
            if time.monotonic() > deadline:
                raise TimeoutError("the first engine made no tracker table")
            time.sleep(0.5)
    finally:
        engine.dispose()


def simulate(gateway: httpx.Client, sender: str, words: str) -> list[str]:
    response = gateway.post(
        "/simulator/messages", json={"channel": "sms", "from": sender, "text": words}
    )
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def answered(gateway: httpx.Client) -> dict[str, int]:
    engines = gateway.get("/healthz").json()["engines"]
    return {number: engine["answered"] for number, engine in engines.items()}


# Either holding answer: the message kept for later, or (without a yes to keeping) not kept.
HOLDING_LINES = {
    Catalogs(ROOT / "locales").render("en", key)
    for key in ("engine.unavailable", "engine.unavailable_not_kept")
}


def test_many_survivors_spread_over_both_replicas(scaled: ScaledOut) -> None:
    senders = [f"spread-{number}" for number in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda sender: simulate(scaled.one, sender, "hello"), senders))
    assert all(r and not HOLDING_LINES & set(r) for r in replies)
    counts = answered(scaled.one)
    assert counts["1"] >= 3 and counts["2"] >= 3, counts


def test_one_survivors_concurrent_messages_are_answered_in_order(scaled: ScaledOut) -> None:
    """Both gateways at once, each sending this person to a different replica: Redis's
    lock store must still let one message finish before the next starts."""
    sender = "in-order"
    for opening in ("hello", "1", "1", "1"):  # English, safe to talk, yes to keeping
        simulate(scaled.one, sender, opening)  # so that the tracker keeps the words
    words = [f"hello {number}" for number in range(8)]
    gateways = [scaled.one, scaled.two] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda pair: simulate(pair[0], sender, pair[1]),
                                zip(gateways, words, strict=True)))  # fmt: skip
    assert all(r and not HOLDING_LINES & set(r) for r in replies)
    assert answered(scaled.one)["1"] and answered(scaled.two)["1"]  # both replicas took some
    pid = pseudonym(scaled.stack.settings.pseudonym_key, "sms", "sim:" + sender)
    tracker = httpx.get(
        f"{scaled.stack.engine_urls()[0]}/conversations/{pid}/tracker",
        params={"token": scaled.stack.settings.rasa_token},
        timeout=30,
    ).json()
    turns: list[str] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append("user")
        elif event["event"] == "action" and event.get("name") == "action_listen" and turns:
            turns.append("listen")
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert sorted(said[4:]) == sorted(words)  # each message once
    # Every message's turn ended (action_listen) before the next message was read.
    assert "user,user" not in ",".join(turns)


def test_two_gateways_answer_one_webhook_once(scaled: ScaledOut, providers: FakeProviders) -> None:
    survivor = SmsSurvivor(scaled.one, providers, number="+923451112233")
    survivor.says("hello")
    before = len(providers.sms_to(survivor.number))
    form = {"MessageSid": "SM" + "7" * 32, "AccountSid": TWILIO_SID, "From": survivor.number,
            "To": "+15005550006", "Body": "I need a lawyer", "NumMedia": "0"}  # fmt: skip
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{scaled.stack.settings.public_url}/webhooks/twilio", form
    )

    def deliver(gateway: httpx.Client) -> int:
        headers = {"X-Twilio-Signature": signature}
        return gateway.post("/webhooks/twilio", data=form, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:  # Twilio retrying, to both gateways
        codes = list(pool.map(deliver, [scaled.one, scaled.two, scaled.one, scaled.two]))
    assert codes == [200] * 4
    wait_for(lambda: len(providers.sms_to(survivor.number)), before + 1)
    replies = providers.sms_to(survivor.number)[before:]
    assert len(replies) == len(set(replies))  # one answer, not four


def test_killing_a_replica_loses_no_message(scaled: ScaledOut) -> None:
    scaled.stack.kill("engine")
    senders = [f"after-kill-{number}" for number in range(10)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        replies = list(pool.map(lambda sender: simulate(scaled.one, sender, "hello"), senders))
    assert all(r and not HOLDING_LINES & set(r) for r in replies), replies
    health = scaled.one.get("/healthz").json()
    assert health["engines"]["1"]["status"] == "down"
    assert health["engines"]["2"]["status"] == "ok"
    assert health["waiting_messages"] == 0
