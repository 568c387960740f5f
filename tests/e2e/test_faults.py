"""Nothing lost (issue 18): the real stack (two engine replicas, two gateways, PostgreSQL,
Redis) meets the faults of a real deployment while survivors write to it, and every message
is answered exactly once, with nothing identifying in any log.

The faults: Twilio refusing (429, then 5xx) and Telegram's flood limit for a while; both
engines killed mid-conversation and restarted; PostgreSQL restarted; one replica killed;
a gateway stopped (SIGTERM) with messages in flight. The test plays Twilio: a webhook that
got no 200 is sent again, to whichever gateway answers (Caddy's load balancing).

"Exactly once": each person's replies after their message, holding lines aside ("we could
not answer yet", which an outage may add), are the replies a person got for the same words
with nothing failing, neither missing nor doubled. `make chaos` repeats each with more people.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.auxil.channel_survivor import SmsSurvivor, TelegramSurvivor
from tests.auxil.providers import TELEGRAM_SECRET, TWILIO_SID, TWILIO_TOKEN, FakeProviders
from tests.e2e.scaled_stack import HOLDING_LINES, ScaledOut, whole

pytestmark = pytest.mark.e2e

PEOPLE = int(os.environ.get("RAHNUMA_CHAOS_PEOPLE", "6"))
ONBOARDING = ("hello", "1", "1")  # safe to talk, yes to keeping what they write
MESSAGE = "I need a lawyer"
_numbers = itertools.count(1)
_sids = itertools.count(1)


@pytest.fixture(scope="module")
def expected(scaled: ScaledOut, providers: FakeProviders) -> list[str]:
    """What a person gets for MESSAGE after onboarding when nothing fails."""
    whole(scaled)
    person = SmsSurvivor(scaled.one, providers, number=_number())
    for words in ONBOARDING:
        person.says(words)
    replies = person.says(MESSAGE)
    assert replies and not HOLDING_LINES & set(replies)
    return replies


def _number() -> str:
    return f"+92333{next(_numbers):03d}{os.getpid() % 10000:04d}"


def send_sms(scaled: ScaledOut, number: str, text: str, first: httpx.Client) -> None:
    """As Twilio: signed for the public URL, sent again until a gateway answers 200."""
    form = {"MessageSid": f"SM{os.getpid():08d}{next(_sids):024d}", "AccountSid": TWILIO_SID,
            "From": number, "To": "+15005550006", "Body": text, "NumMedia": "0"}  # fmt: skip
    url = f"{scaled.stack.settings.public_url}/webhooks/twilio"
    headers = {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(url, form)}
    gateways = [first, scaled.two if first is scaled.one else scaled.one]
    deadline = time.monotonic() + 120
    for attempt in itertools.count():
        try:
            response = gateways[attempt % 2].post("/webhooks/twilio", data=form, headers=headers)
            if response.status_code == 200:
                return
            assert response.status_code in (500, 502, 503), response.text
        except httpx.TransportError:
            pass  # that gateway is down: the load balancer tries the other
        assert time.monotonic() < deadline, "no gateway took the message for two minutes"
        time.sleep(0.5)


def onboard(scaled: ScaledOut, providers: FakeProviders) -> list[str]:
    people = [_number() for _ in range(PEOPLE)]

    def start(number: str) -> None:
        person = SmsSurvivor(scaled.one, providers, number=number)
        for words in ONBOARDING:
            person.says(words)

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        list(pool.map(start, people))
    return people


def under_fault(
    scaled: ScaledOut, providers: FakeProviders, people: list[str], fault: Callable[[], None]
) -> dict[str, int]:
    """Everyone sends MESSAGE at once (to the first gateway, while it takes them); the
    fault strikes halfway. How many replies each had received before."""
    first = scaled.one
    before = {number: len(providers.sms_to(number)) for number in people}
    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        sent: list[Future[None]] = []
        for number in people:
            sent.append(pool.submit(send_sms, scaled, number, MESSAGE, first))
            time.sleep(0.05)
            if len(sent) == len(people) // 2:
                fault()
        for future in sent:
            future.result()
    return before


def answered_once(
    scaled: ScaledOut,
    providers: FakeProviders,
    people: list[str],
    before: dict[str, int],
    expected: list[str],
) -> None:
    def answers(number: str) -> list[str]:
        return [r for r in providers.sms_to(number)[before[number] :] if r not in HOLDING_LINES]

    gateways = [scaled.one, scaled.two]
    # A ceiling, not a measure: after a restart the engine's first turns are slow (its model
    # warms up), and a conversation whose lock a killed engine held waits out that lock.
    deadline = time.monotonic() + 300
    while any(len(answers(number)) < len(expected) for number in people):
        missing = [n for n in people if len(answers(n)) < len(expected)]
        if time.monotonic() > deadline:
            got = [providers.sms_to(n)[before[n] :] for n in missing]
            health = [g.get("/healthz", headers=_engine_token(scaled)).json() for g in gateways]
            raise AssertionError(f"{len(missing)} of {len(people)} not answered: {got} {health}")
        time.sleep(0.5)
    time.sleep(4)  # a doubled answer (a retry, a second gateway) would come by now
    for number in people:
        assert answers(number) == expected, answers(number)
    for gateway in (scaled.one, scaled.two):
        health = gateway.get("/healthz", headers=_engine_token(scaled)).json()
        assert health["inbox"]["waiting"] == 0 and health["waiting_messages"] == 0, health


def _engine_token(scaled: ScaledOut) -> dict[str, str]:
    return {"Authorization": f"Bearer {scaled.stack.settings.rasa_token}"}


def nothing_identifying_logged(scaled: ScaledOut, people: list[str]) -> None:
    logs: list[Path] = [*scaled.stack.workdir.glob("*.log"), *scaled.second.workdir.glob("*.log")]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in (MESSAGE, *people, *(number.lstrip("+") for number in people)):
            assert secret not in text, f"{secret!r} in {path.name}"


def test_a_provider_refusing_for_a_while_delays_but_loses_nothing(
    scaled: ScaledOut, providers: FakeProviders, expected: list[str]
) -> None:
    whole(scaled)
    people = onboard(scaled, providers)
    refused = providers.refused

    # Twilio's own texts name the number (21408, 21211): they must not reach a log either.
    def flood_limit() -> None:
        providers.twilio_error = {"status": 429, "code": 20429,
                                  "message": f"Too Many Requests to {people[0]}"}  # fmt: skip

    try:
        before = under_fault(scaled, providers, people, flood_limit)
        time.sleep(2)
        providers.twilio_error = {"status": 503, "code": 20503,
                                  "message": f"Unavailable: the 'To' number {people[1]}"}  # fmt: skip
        time.sleep(2)
    finally:
        providers.twilio_error = None
    assert providers.refused > refused  # the fault was met, not missed
    answered_once(scaled, providers, people, before, expected)
    nothing_identifying_logged(scaled, people)


def test_telegrams_flood_limit_delays_but_loses_nothing(
    scaled: ScaledOut, providers: FakeProviders
) -> None:
    whole(scaled)
    person = TelegramSurvivor(scaled.one, providers)
    calm = TelegramSurvivor(scaled.one, providers)
    for words in ONBOARDING:
        person.says(words)
        calm.says(words)
    expected = calm.says(MESSAGE)
    refused = providers.refused
    providers.telegram_error = {"ok": False, "error_code": 429, "parameters": {"retry_after": 2},
                                "description": "Too Many Requests: retry after 2"}  # fmt: skip
    try:
        before = len(providers.telegram_texts_to(person.chat_id))
        update = {"update_id": time.time_ns() % 2**31, "message": {
            "message_id": 7, "date": int(time.time()), "text": MESSAGE,
            "chat": {"id": person.chat_id, "type": "private"},
            "from": {"id": person.chat_id, "is_bot": False, "first_name": "A"}}}  # fmt: skip
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        assert scaled.one.post("/webhooks/telegram", json=update, headers=headers).is_success
        deadline = time.monotonic() + 30
        while providers.refused == refused:
            assert time.monotonic() < deadline, "the flood limit was never met"
            time.sleep(0.1)
    finally:
        providers.telegram_error = None
    deadline = time.monotonic() + 60
    while len(providers.telegram_texts_to(person.chat_id)) < before + len(expected):
        assert time.monotonic() < deadline, "the refused replies never came"
        time.sleep(0.2)
    time.sleep(4)
    assert providers.telegram_texts_to(person.chat_id)[before:] == expected


def test_both_engines_killed_mid_conversation_and_restarted(
    scaled: ScaledOut, providers: FakeProviders, expected: list[str]
) -> None:
    whole(scaled)
    people = onboard(scaled, providers)

    def kill_engines() -> None:
        scaled.stack.kill("engine")
        scaled.stack.kill("engine-2")

    before = under_fault(scaled, providers, people, kill_engines)
    whole(scaled)  # restarted: the kept messages are answered now
    answered_once(scaled, providers, people, before, expected)
    nothing_identifying_logged(scaled, people)


def test_postgresql_restarting_under_load_loses_nothing(
    scaled: ScaledOut, providers: FakeProviders, expected: list[str]
) -> None:
    if scaled.postgres is None:
        pytest.skip("PostgreSQL is the machine's own server here: not ours to restart")
    whole(scaled)
    people = onboard(scaled, providers)
    before = under_fault(scaled, providers, people, scaled.postgres.restart)
    answered_once(scaled, providers, people, before, expected)
    nothing_identifying_logged(scaled, people)


def test_one_replica_killed_under_load_loses_nothing(
    scaled: ScaledOut, providers: FakeProviders, expected: list[str]
) -> None:
    whole(scaled)
    people = onboard(scaled, providers)
    before = under_fault(scaled, providers, people, lambda: scaled.stack.kill("engine-2"))
    answered_once(scaled, providers, people, before, expected)
    nothing_identifying_logged(scaled, people)


def test_a_gateway_stopped_with_messages_in_flight_loses_nothing(
    scaled: ScaledOut, providers: FakeProviders, expected: list[str]
) -> None:
    whole(scaled)
    people = onboard(scaled, providers)
    before = under_fault(scaled, providers, people, lambda: scaled.stack.stop("gateway"))
    whole(scaled)  # started again, for the other tests (the second answered meanwhile)
    answered_once(scaled, providers, people, before, expected)
    nothing_identifying_logged(scaled, people)
