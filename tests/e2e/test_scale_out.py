"""Beyond one machine: two Rasa replicas sharing the PostgreSQL tracker store and the Redis
lock store, behind two gateways sharing PostgreSQL (the session's `scaled` stack,
tests/e2e/scaled_stack.py).

One survivor's concurrent messages are answered in order, many survivors spread over both
replicas, a killed replica loses no message, and one webhook delivered to both gateways is
answered once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.privacy.identity import pseudonym
from tests.auxil.channel_survivor import SmsSurvivor, wait_for
from tests.auxil.providers import TWILIO_SID, TWILIO_TOKEN, FakeProviders
from tests.e2e.scaled_stack import HOLDING_LINES, ScaledOut, answered, simulate, whole

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _whole(scaled: ScaledOut) -> None:
    """Both replicas running and warm: the fault tests before these kill and restart them."""
    whole(scaled)


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
    openings = ("hello", "1", "1")  # safe to talk, yes to keeping
    for opening in openings:
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
    assert sorted(said[len(openings) :]) == sorted(words)  # each message once
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
