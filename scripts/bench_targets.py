"""Issue 19's targets, each a ratio of two figures measured in one `make bench` run.

Pure functions over results/bench.json's dictionary, so that the report, the bench's own
summary and the tests read the targets the same way. A figure the run did not measure makes
its target "not measured", never a pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Price of one SMS segment for the cost columns: what the deploying organisation pays its
# provider (Twilio's price list for Pakistan, or a local aggregator's), in its currency.
PRICE_VARIABLE = "BENCH_SMS_PRICE"
CURRENCY_VARIABLE = "BENCH_SMS_CURRENCY"
DEFAULT_PRICE = 1.0  # one unit per segment: the cost column then reads as segments
DEFAULT_CURRENCY = "units"


# A swap may slow a reply, but not so that a person notices: under a second at this machine's
# median (70-100 ms), far below the gateway's wait (8 s), after which comes the holding reply.
SWAP_SLOWEST_LIMIT = 10.0


@dataclass(frozen=True)
class Target:
    """One aim of issue 19: `value / baseline` at most (or at least) `limit`."""

    key: str
    label: str
    value_label: str
    baseline_label: str
    limit: float
    at_least: bool = False  # throughput: more is better
    unit: str = "ms"  # of the two figures
    share: bool = False  # a ratio read as a percentage, not a multiple


@dataclass(frozen=True)
class Outcome:
    target: Target
    value: float | None
    baseline: float | None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        """None when the run did not measure both figures."""
        ratio = self.ratio
        if ratio is None:
            return None
        return ratio >= self.target.limit if self.target.at_least else ratio <= self.target.limit

    @property
    def mark(self) -> str:
        return {True: "✅ pass", False: "❌ fail", None: "not measured"}[self.passed]

    def aim(self) -> str:
        sign = "≥" if self.target.at_least else "≤"
        if self.target.share:
            return f"{sign} {self.target.limit:.0%}"
        return f"{sign} {self.target.limit:.2f}×"

    def ratio_text(self) -> str:
        ratio = self.ratio
        if ratio is None:
            return "n/a"
        return f"{ratio:.1%}" if self.target.share else f"{ratio:.2f}×"


TARGETS = (
    Target("engine_vs_floor", "our engine's time per message (p50) against the floor bot's",
           "ours", "floor bot", 1.15),
    Target("start_vs_floor", "engine start against the floor bot's", "ours", "floor bot", 1.5,
           unit="s"),
    Target("gateway_vs_rasa", "a message through the gateway against Rasa alone (p50, one "
           "survivor)", "gateway", "Rasa alone", 1.10),
    Target("gateway_own_work", "the gateway's own work per message, a share of Rasa's time",
           "gateway's own", "Rasa alone", 0.05, share=True),
    Target("two_replicas", "two engine replicas against one at saturation (messages/s)",
           "two", "one", 1.8, at_least=True, unit="messages/s"),
    Target("conversation_growth", "time per message after 1,000 earlier turns against 10",
           "1,000 turns", "10 turns", 1.2),
    Target("directory_growth", "time per service request with 10,000 listings against 100",
           "10,000", "100", 1.1),
    *(Target(f"segments_{code}", f"SMS segments per scripted conversation in {name} against "
             "before issue 19", "now", "before", 0.70, unit="segments")
      for code, name in (("en", "English"), ("ur", "Urdu"), ("ur_Latn", "Roman Urdu"))),
    Target("swap_answered", "messages answered as usual while the engine swaps its model, a "
           "share of those sent meanwhile", "as usual", "sent", 1.0, at_least=True,
           unit="messages", share=True),
    Target("swap_slowest", "the slowest reply while the engine swaps its model against the "
           "median without a swap", "slowest", "median", SWAP_SLOWEST_LIMIT),
)  # fmt: skip

# Segments per scripted conversation before issue 19's cuts, measured by `make bench` on
# 2026-12-01 (commit 5425f3e): a language menu after the introduction, one message per
# statement. Segment counts don't depend on the machine, so a recorded baseline compares
# like with like; `git checkout 5425f3e && make bench-targets` measures it again.
SEGMENTS_BEFORE = {"en": 13.88, "ur": 19.06, "ur_Latn": 14.81}


def _dig(results: Mapping[str, Any], *path: str) -> float | None:
    """results[path[0]][path[1]]..., or None where the run left a part out."""
    node: Any = results
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) else None


def saturation(by_concurrency: Mapping[str, Any] | None) -> str | None:
    """The highest concurrency level measured: where throughput is compared."""
    if not by_concurrency:
        return None
    return str(max(int(level) for level in by_concurrency))


def figures(results: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    """(value, baseline) of every target, from what the run wrote."""
    rest = ("latency", "rasa_rest", "1", "p50_ms")
    top = saturation(results.get("two_replicas"))
    return {
        "engine_vs_floor": (_dig(results, "floor", "ours_p50_ms"),
                            _dig(results, "floor", "floor_p50_ms")),
        "start_vs_floor": (_dig(results, "floor", "ours_start_s"),
                           _dig(results, "floor", "floor_start_s")),
        "gateway_vs_rasa": (_dig(results, "latency", "gateway_simulator", "1", "p50_ms"),
                            _dig(results, *rest)),
        "gateway_own_work": (_dig(results, "gateway_own_work", "p50_ms"), _dig(results, *rest)),
        "two_replicas": (
            _dig(results, "two_replicas", top, "per_second") if top else None,
            _dig(results, "latency", "gateway_simulator", top, "per_second") if top else None,
        ),
        "conversation_growth": (_dig(results, "growth", "turns", "1000", "p50_ms"),
                                _dig(results, "growth", "turns", "10", "p50_ms")),
        "directory_growth": (_dig(results, "growth", "listings", "10000", "p50_ms"),
                             _dig(results, "growth", "listings", "100", "p50_ms")),
        **{f"segments_{code}": (_dig(results, "conversations", code, "segments_per_conversation"),
                                before)
           for code, before in SEGMENTS_BEFORE.items()},
        "swap_answered": (_dig(results, "swap", "during", "answered"),
                          _dig(results, "swap", "during", "messages")),
        "swap_slowest": (_dig(results, "swap", "during", "slowest_ms"),
                         _dig(results, "swap", "without", "p50_ms")),
    }  # fmt: skip


def evaluate(results: Mapping[str, Any]) -> list[Outcome]:
    """Every target with its two figures of this run, in the issue's order."""
    found = figures(results)
    return [Outcome(target, *found[target.key]) for target in TARGETS]


# -- SMS segments and what they cost ----------------------------------------------------------


def segments(replies: Iterable[Mapping[str, Any]]) -> int:
    """Segments the replies to one message cost (the simulator counts each reply's)."""
    return sum(int(reply["segments"]) for reply in replies)


def first_contact(turns: Sequence[Sequence[Mapping[str, Any]]]) -> int:
    """What a person's very first message costs: every reply to it (the introduction and
    whatever comes with it before they write again)."""
    return segments(turns[0]) if turns else 0


def conversation(turns: Sequence[Sequence[Mapping[str, Any]]]) -> int:
    return sum(segments(replies) for replies in turns)


@dataclass(frozen=True)
class Price:
    per_segment: float
    currency: str

    def cost(self, segment_count: float) -> str:
        return f"{segment_count * self.per_segment:.2f} {self.currency}"


def price_from(environ: Mapping[str, str] | None = None, override: float | None = None) -> Price:
    """The price per segment: the CLI's `--sms-price`, else BENCH_SMS_PRICE, else 1 unit."""
    env = os.environ if environ is None else environ
    per_segment = (
        override if override is not None else float(env.get(PRICE_VARIABLE) or DEFAULT_PRICE)
    )
    if per_segment < 0:
        raise ValueError("a price per segment cannot be negative")
    return Price(per_segment, env.get(CURRENCY_VARIABLE) or DEFAULT_CURRENCY)
