"""Whole conversations over the real channels' webhooks, through the real engine."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.ops.stack import Stack
from bot.wording.languages import has_urdu_script
from bot.wording.segments import sms_shape
from tests.auxil.channel_survivor import SmsSurvivor, TelegramSurvivor, wait_for
from tests.auxil.providers import FakeProviders

pytestmark = pytest.mark.e2e


def is_service_list(texts: list[str]) -> bool:
    joined = "\n".join(texts)
    return ": 15" in joined and ": 1122" in joined


def test_roman_urdu_over_signed_sms_reaches_services(
    gateway: httpx.Client, providers: FakeProviders
) -> None:
    survivor = SmsSurvivor(gateway, providers)
    seen = []
    # Help in Lahore, then "1" a safe place, then "0": no need to say for whom.
    for text in ["salam", "1", "1", "mujhe madad chahiye, main lahore mein hoon", "1", "0"]:
        seen += survivor.says(text)
    assert is_service_list(seen[-2:])
    assert all(sms_shape(body).segments <= 2 for body in seen)
    assert not has_urdu_script("\n".join(seen[-2:]))


def test_urdu_over_telegram_reaches_services(
    gateway: httpx.Client, providers: FakeProviders
) -> None:
    survivor = TelegramSurvivor(gateway, providers)
    survivor.says("السلام علیکم")  # Urdu script: the conversation is in Urdu
    survivor.presses("1")
    survivor.presses("1")
    survivor.says("مجھے رہنے کی جگہ چاہیے")
    replies = survivor.says("ملتان")
    assert is_service_list(replies)
    assert has_urdu_script(replies[0])


def test_stop_over_sms_silences_until_start(
    gateway: httpx.Client, providers: FakeProviders
) -> None:
    survivor = SmsSurvivor(gateway, providers)
    survivor.says("hello")
    assert "START" in survivor.says("STOP")[-1]
    count = len(providers.sms_to(survivor.number))
    survivor.writes("hello")  # silence: no reply to wait for
    # One person's messages are answered in order, so a reply to "hello" would arrive before
    # the plea's and make two: one proves the silence without waiting for a timeout.
    plea = survivor.says("mujhe bachao")  # rule 17: a plea is answered even after STOP
    assert "1122" in plea[-1] and len(providers.sms_to(survivor.number)) == count + 1
    assert survivor.says("START")


def test_with_the_engine_stopped_emergency_numbers_come_at_once_and_the_message_is_answered_later(
    stack: Stack, gateway: httpx.Client, providers: FakeProviders
) -> None:
    survivor = SmsSurvivor(gateway, providers)
    for message in ("hello", "1", "1"):  # safe to talk, yes to keeping
        survivor.says(message)
    stack.stop("engine")
    try:
        started = time.monotonic()
        holding = "\n".join(survivor.says("they locked me in"))
        waited = time.monotonic() - started
        assert "15" in holding and "1122" in holding
        assert waited < 1.0 + 0.6  # the reply itself well under a second; the rest is settling
        assert gateway.get("/healthz").json()["engine"] == "down"
        count = len(providers.sms_to(survivor.number))
    finally:
        stack.start_engine()
        stack.wait_healthy(timeout=240)
    wait_for(lambda: len(providers.sms_to(survivor.number)), count + 1, timeout=60)
    answer = "\n".join(providers.sms_to(survivor.number)[count:])
    assert "15" in answer and "1122" in answer  # the emergency flow answered the kept message
    assert gateway.get("/healthz").json()["waiting_messages"] == 0
