"""Issue 19's targets as `make bench` reads them: ratios within one run, pass or fail, and
the segments and their cost as the report shows them (scripts/bench_targets.py,
scripts/bench_report.py). No stack: the figures are made up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts import bench_report
from scripts.bench_report import (
    floor_lines,
    growth_lines,
    segments_lines,
    swap_lines,
    targets_lines,
)
from scripts.bench_targets import (
    Price,
    conversation,
    evaluate,
    first_contact,
    price_from,
    saturation,
)


def run(**changes: Any) -> dict[str, Any]:
    """A run's figures, every target measured: most pass, the floor comparison fails."""
    results: dict[str, Any] = {
        "latency": {
            "rasa_rest": {"1": {"p50_ms": 100.0}, "16": {"per_second": 9.0}},
            "gateway_simulator": {"1": {"p50_ms": 108.0}, "16": {"per_second": 9.0}},
        },
        "gateway_own_work": {"p50_ms": 4.0},
        "two_replicas": {"1": {"per_second": 7.0}, "16": {"per_second": 16.3}},
        "floor": {"ours_p50_ms": 120.0, "floor_p50_ms": 60.0, "ours_start_s": 40.0,
                  "floor_start_s": 30.0, "train_s": 12.0, "messages": 48,
                  "starts_s": {"ours": [40.0], "floor": [30.0]}},
        "growth": {
            "turns": {"10": {"p50_ms": 100.0, "messages": 15, "events_per_turn": 9.0},
                      "100": {"p50_ms": 110.0, "messages": 15},
                      "1000": {"p50_ms": 300.0, "messages": 15, "first_p50_ms": 900.0}},
            "listings": {"100": {"p50_ms": 100.0, "messages": 20},
                         "10000": {"p50_ms": 105.0, "messages": 20}},
        },
    }  # fmt: skip
    results.update(changes)
    return results


def outcomes(results: dict[str, Any]) -> dict[str, Any]:
    return {outcome.target.key: outcome for outcome in evaluate(results)}


def test_each_target_is_a_ratio_of_two_figures_of_the_run() -> None:
    found = outcomes(run())
    assert found["engine_vs_floor"].ratio == pytest.approx(2.0)
    assert found["engine_vs_floor"].passed is False
    assert found["start_vs_floor"].ratio == pytest.approx(40 / 30)
    assert found["start_vs_floor"].passed is True
    assert found["gateway_vs_rasa"].passed is True  # 1.08 <= 1.10
    assert found["gateway_own_work"].ratio == pytest.approx(0.04)
    assert found["gateway_own_work"].passed is True
    assert found["conversation_growth"].passed is False  # 3.0 > 1.2
    assert found["directory_growth"].passed is True  # 1.05 <= 1.1


def test_throughput_must_reach_its_aim_and_is_read_at_the_highest_level() -> None:
    """Two replicas against one, at saturation: more is better, at least 1.8×."""
    found = outcomes(run())
    assert found["two_replicas"].ratio == pytest.approx(16.3 / 9)
    assert found["two_replicas"].passed is True
    slower = run(two_replicas={"1": {"per_second": 7.0}, "16": {"per_second": 12.0}})
    assert outcomes(slower)["two_replicas"].passed is False
    assert saturation({"1": {}, "4": {}, "16": {}}) == "16"


def test_a_figure_the_run_left_out_is_not_measured_never_a_pass() -> None:
    partial = run()
    del partial["floor"], partial["two_replicas"]
    found = outcomes(partial)
    assert found["engine_vs_floor"].passed is None
    assert found["engine_vs_floor"].mark == "not measured"
    assert found["two_replicas"].ratio is None
    assert outcomes({})["gateway_vs_rasa"].ratio_text() == "n/a"


def test_sms_segments_are_compared_with_the_conversation_before_the_cuts() -> None:
    """Segment counts don't depend on the machine: the baseline is the recorded figure."""
    measured = {"en": 9.0, "ur": 14.0, "ur_Latn": 10.0}
    found = outcomes(run(conversations={
        code: {"segments_per_conversation": value} for code, value in measured.items()
    }))  # fmt: skip
    assert found["segments_en"].ratio == pytest.approx(9.0 / 13.88)
    assert found["segments_en"].passed is True  # 0.65 <= 0.70
    assert found["segments_ur"].passed is False  # 14 / 19.06 = 0.73
    assert found["segments_ur_Latn"].aim() == "≤ 0.70×"
    assert outcomes(run())["segments_en"].mark == "not measured"


SWAP: dict[str, Any] = {"swap_s": 31.4, "talkers": 3, "pause_s": 0.5,
        "without": {"messages": 60, "answered": 60, "p50_ms": 80.0, "slowest_ms": 150.0},
        "during": {"messages": 240, "answered": 240, "p50_ms": 120.0, "slowest_ms": 640.0}}  # fmt: skip


def test_a_swap_passes_when_every_message_meanwhile_is_answered_as_usual() -> None:
    found = outcomes(run(swap=SWAP))
    assert found["swap_answered"].ratio == pytest.approx(1.0)
    assert found["swap_answered"].passed is True
    assert found["swap_slowest"].ratio == pytest.approx(8.0)
    assert found["swap_slowest"].passed is True
    held = {**SWAP, "during": {**SWAP["during"], "answered": 1, "slowest_ms": 8000.0}}
    found = outcomes(run(swap=held))
    assert found["swap_answered"].passed is False  # one held reply fails it
    assert found["swap_answered"].ratio_text() == "0.4%"
    assert found["swap_slowest"].passed is False  # 100× the median
    assert outcomes(run())["swap_answered"].passed is None  # no swap measured


def test_the_swap_shows_in_the_targets_and_its_own_section() -> None:
    lines = "\n".join(targets_lines(run(swap=SWAP)))
    assert "| as usual: 240 messages | sent: 240 messages | 100.0% | ≥ 100% | ✅ pass |" in lines
    assert "| slowest: 640.0 ms | median: 80.0 ms | 8.00× |" in lines
    section = "\n".join(swap_lines(run(swap=SWAP)))
    assert "| during the swap | 240 | 240 | 120.0 ms | 640.0 ms |" in section
    assert "| without a swap | 60 | 60 | 80.0 ms | 150.0 ms |" in section
    assert "the swap took 31.4 s" in section and "0.5 s after the last reply" in section
    assert swap_lines({}) == []


def test_the_report_marks_every_target_with_ratio_and_aim() -> None:
    lines = "\n".join(targets_lines(run()))
    assert lines.count("| ✅ pass |") == 5
    assert lines.count("| ❌ fail |") == 2
    assert "| 2.00× | ≤ 1.15× | ❌ fail |" in lines  # ours against the floor
    assert "| 4.0% | ≤ 5% | ✅ pass |" in lines  # the gateway's own work, a share
    assert "two: 16.3 messages/s | one: 9.0 messages/s | 1.81× | ≥ 1.80×" in lines


def test_growth_and_floor_sections_show_each_size_against_the_smallest() -> None:
    growth = "\n".join(growth_lines(run()))
    # The first message after the earlier turns on its own: it loads them all once.
    assert "| earlier turns in the conversation | 1,000 | 300.0 ms | 3.00× | 900.0 ms | 15 |" in (
        growth
    )
    assert "| earlier turns in the conversation | 100 | 110.0 ms | 1.10× | — | 15 |" in growth
    assert "| listings in the directory | 10,000 | 105.0 ms | 1.05× | — | 20 |" in growth
    assert "benchmarks-growth.png" in growth
    floor = "\n".join(floor_lines(run()))
    assert "| 120.0 ms | 60.0 ms | 2.00× |" in floor
    assert growth_lines({}) == [] and floor_lines({}) == []


def test_first_contact_is_every_reply_to_the_first_message() -> None:
    turns = [[{"segments": 1}, {"segments": 3}], [{"segments": 2}], []]
    assert first_contact(turns) == 4
    assert conversation(turns) == 6
    assert first_contact([]) == 0


def test_the_price_per_segment_comes_from_the_option_then_the_environment() -> None:
    assert price_from({}) == Price(1.0, "units")
    assert price_from({"BENCH_SMS_PRICE": "0.04", "BENCH_SMS_CURRENCY": "USD"}) == Price(
        0.04, "USD"
    )
    assert price_from({"BENCH_SMS_PRICE": "0.04"}, override=2.5).per_segment == 2.5
    with pytest.raises(ValueError, match="negative"):
        price_from({"BENCH_SMS_PRICE": "-1"})


def test_segments_and_their_cost_per_language() -> None:
    conv = {"segments_per_conversation": 13.75, "segments_first_contact": 4.0,
            "longest_reply_segments": 2}  # fmt: skip
    results = {"conversations": {"en": conv, "ur": conv, "ur_Latn": conv}}
    lines = "\n".join(segments_lines(results, Price(0.04, "USD")))
    assert "At 0.04 USD per segment" in lines
    assert "| English | 13.75 | 0.55 USD | 4.0 | 0.16 USD | 2 segments |" in lines
    older = {"conversations": {code: {**conv, "segments_first_contact": None}
                               for code in ("en", "ur", "ur_Latn")}}  # fmt: skip
    assert "| n/a | n/a |" in "\n".join(segments_lines(older, Price(1, "units")))


def test_bench_targets_rewrites_its_own_sections_and_leaves_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\n## Targets (issue 19)\n\nold table\n\n## Latency and throughput\n\n"
        "kept latency\n\n## Against a floor bot\n\nold floor\n\n## Growth\n\nold growth\n\n"
        "## Memory\n\nkept memory\n\n## Cost in SMS segments\n\nold cost\n\n"
        "## Where the time goes\n\nkept profile\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(bench_report, "DOC", page)
    monkeypatch.setattr(bench_report, "growth_chart", lambda results: None)
    conv = {"segments_per_conversation": 9.0, "segments_first_contact": 2.0,
            "longest_reply_segments": 2}  # fmt: skip
    results = run(conversations={"en": conv, "ur": conv, "ur_Latn": conv},
                  machine={"date": "2026-12-01"}, swap=SWAP)  # fmt: skip
    bench_report.rewrite_target_sections(results, Price(1.0, "units"))
    written = page.read_text(encoding="utf-8")
    assert "Measured by `make bench-targets` on 2026-12-01" in written
    assert "now: 9.0 segments | before: 13.88 segments | 0.65× | ≤ 0.70× | ✅ pass" in written
    assert "kept latency" in written and "kept profile" in written
    assert not any(old in written for old in ("old table", "old floor", "old growth", "old cost"))
    assert written.index("## Latency") < written.index("## Against a floor bot")
    # A section the page lacked goes where `make bench` puts it: before Memory.
    assert (
        written.index("## Growth") < written.index("## A model swap") < written.index("## Memory")
    )
