"""How a swap is measured (scripts/bench_swap.py), with a made-up engine: the baseline's
messages, the messages in hand during the swap, and a held reply counted as unusual. No
stack: the real swap is tests/e2e/test_model_swap.py."""

from __future__ import annotations

import threading
import time

from scripts.bench_swap import Reply, during, figures, through_swap


def test_messages_in_hand_during_the_swap_are_the_ones_counted() -> None:
    replies = [Reply(0.0, 1.0, True), Reply(4.0, 2.0, True), Reply(5.5, 1.0, False),
               Reply(9.0, 0.5, True), Reply(10.5, 0.1, True)]  # fmt: skip
    inside = during(replies, start=5.0, end=10.0)
    assert inside == replies[1:4]  # started before the end, still going after the start
    assert figures(inside) == {"messages": 3, "answered": 2, "p50_ms": 1000.0,
                               "slowest_ms": 2000.0}  # fmt: skip
    assert figures([])["p50_ms"] is None


def test_a_held_reply_or_an_error_during_the_swap_is_not_answered_as_usual() -> None:
    swapping = threading.Event()

    def send(number: int) -> bool:
        time.sleep(0.01)
        if number == 1 and swapping.is_set():
            raise RuntimeError("the gateway answered 500")
        return not swapping.is_set()  # the holding reply while the engine is busy

    def swap() -> None:
        swapping.set()
        time.sleep(0.3)
        swapping.clear()

    found = through_swap(send, swap, talkers=2, baseline_messages=5, pause=0.01)
    assert found["without"] == found["without"] | {"messages": 10, "answered": 10}
    assert found["during"]["messages"] >= 2
    assert found["during"]["answered"] < found["during"]["messages"]
    assert 0.2 < found["swap_s"] < 1.0
    assert found["talkers"] == 2
    assert found["answered_within_swap"] == 0  # every answer during the swap was unusual
