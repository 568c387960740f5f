"""Survivors writing while the engine swaps its model (issue 19).

A few survivors write one message after another, first with no swap (the baseline), then
all through a `PUT /model`. Every reply during the swap should be the usual answer, never
the holding reply, and come about as fast. The end-to-end test (tests/e2e/test_model_swap.py)
and `make bench` measure the same way; scripts/bench_targets.py reads the figures.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.editing.publish import load_model

# One message from talker `number`; True when the reply was the usual answer (not the
# holding reply, not an error).
Send = Callable[[int], bool]
TALKERS = 3
BASELINE_MESSAGES = 20  # each talker's, without a swap
# Each talker's pause between a reply and its next message: a steady stream, not a flood that
# would measure the engine's queue (one process answers one message at a time).
PAUSE_S = 0.5
REQUEST = "I need a lawyer in Lahore"  # a list of services every time, past onboarding
ONBOARDING = ("hello", "1", "1")  # in English (it starts in the person's language), safe, kept


@dataclass(frozen=True)
class Reply:
    started: float  # time.monotonic()
    took: float
    usual: bool


def talk(
    send: Send, talkers: int, go_on: Callable[[int], bool], pause: float = PAUSE_S
) -> list[Reply]:
    """Each talker sends one message after another, `pause` seconds apart, while
    `go_on(messages it sent)`."""
    replies: list[Reply] = []
    lock = threading.Lock()

    def talker(number: int) -> None:
        sent = 0
        while go_on(sent):
            started = time.monotonic()
            try:
                usual = send(number)
            except Exception:  # an error is an unusual answer, counted, not a dead talker
                usual = False
            reply = Reply(started, time.monotonic() - started, usual)
            with lock:
                replies.append(reply)
            sent += 1
            time.sleep(pause)

    threads = [threading.Thread(target=talker, args=(n,), daemon=True) for n in range(talkers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def figures(replies: list[Reply]) -> dict[str, Any]:
    took = [reply.took for reply in replies]
    return {
        "messages": len(replies),
        "answered": sum(reply.usual for reply in replies),
        "p50_ms": round(statistics.median(took) * 1000, 1) if took else None,
        "slowest_ms": round(max(took) * 1000, 1) if took else None,
    }


def during(replies: list[Reply], start: float, end: float) -> list[Reply]:
    """The messages the engine had in hand at some moment of the swap."""
    return [r for r in replies if r.started < end and r.started + r.took > start]


def through_swap(
    send: Send,
    swap: Callable[[], None],
    talkers: int = TALKERS,
    baseline_messages: int = BASELINE_MESSAGES,
    pause: float = PAUSE_S,
) -> dict[str, Any]:
    """The same messages without a swap, then during one: how many got the usual answer,
    the median and the slowest reply of each, and how long the swap took (seconds)."""
    without = talk(send, talkers, lambda sent: sent < baseline_messages, pause)
    swapped = threading.Event()
    replies: list[Reply] = []
    background = threading.Thread(
        target=lambda: replies.extend(talk(send, talkers, lambda _: not swapped.is_set(), pause))
    )
    background.start()
    time.sleep(0.5)  # every talker has a message in hand when the swap begins
    start = time.monotonic()
    try:
        swap()
    finally:
        end = time.monotonic()
        swapped.set()
        background.join()
    inside = [r for r in replies if r.started >= start and r.started + r.took <= end]
    return {
        "swap_s": round(end - start, 1),
        # Sent after the swap began and answered as usual before it ended: none when the
        # engine answers nobody while it loads, however short the load.
        "answered_within_swap": sum(reply.usual for reply in inside),
        "talkers": talkers,
        "pause_s": pause,
        "without": figures(without),
        "during": figures(during(replies, start, end)),
    }


def measure(gateway: str, settings: Settings, engine: str, folder: Path) -> dict[str, Any]:
    """`make bench`: survivors past onboarding write through the gateway's simulator while
    the engine at `engine` loads a copy of its model the way publishing does."""
    client = httpx.Client(base_url=gateway, timeout=60)

    def say(number: int, words: str) -> str:
        body = {"channel": "sms", "from": f"sim-swap-{number}", "text": words}
        response = client.post("/simulator/messages", json=body)
        response.raise_for_status()
        return "\n".join(reply["text"] for reply in response.json()["replies"])

    usual = {}
    for number in range(TALKERS):
        for words in ONBOARDING:
            say(number, words)
        usual[number] = say(number, REQUEST)
    copy = folder / "swap" / "rahnuma.tar.gz"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.model_file, copy)
    engine_only = settings.model_copy(update={"rasa_url": engine})
    try:
        return through_swap(lambda n: say(n, REQUEST) == usual[n],
                            lambda: load_model(engine_only, copy))  # fmt: skip
    finally:
        client.close()
