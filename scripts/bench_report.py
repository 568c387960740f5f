"""docs/benchmarks.md and its chart, from results/bench.json (written by scripts/bench.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "benchmarks-latency.png"
LANGUAGES = {"en": "English", "ur": "Urdu", "ur_Latn": "Roman Urdu"}
PATHS = {
    "rasa_rest": "Rasa's REST channel alone (baseline)",
    "gateway_simulator": "through the gateway (simulator)",
    "gateway_twilio": "through the gateway (signed Twilio webhook, until the reply reaches Twilio)",
}


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×" if baseline else "n/a"


def rewrite_editors_section(results: dict[str, Any]) -> None:
    """`make bench-editors` measures only the editors' wait; the rest of the page stays."""
    page = DOC.read_text(encoding="utf-8")
    start = page.index("## Editors' wait")
    end = page.index("\n## ", start + 1)
    section = "\n".join(
        ["## Editors' wait", "",
         f"Measured by `make bench-editors` on {results['machine']['date']} (the rest of this "
         "page by `make bench`; both figures of each ratio come from one run).", "",
         "| step | time |", "| --- | --- |", *editors_rows(results["editors"]),
         *wording_rows(results["editors"]), ""]
    )  # fmt: skip
    DOC.write_text(page[:start] + section + page[end:], encoding="utf-8")


def wording_rows(editors: dict) -> list[str]:
    """An approved wording change until it is live, beside the full training of the same run."""
    publish, full = editors["wording_publish_s"], editors["full_training_s"]
    return [
        "| an approved wording change until survivors read it (the console's `publish`, "
        f"checks included, no training, no engine validation) | {publish} s "
        f"({publish / full:.3f}× of a full training; aim: under 5 s) |"
    ]


def editors_rows(editors: dict[str, Any]) -> list[str]:
    full = editors["full_training_s"]
    how = "fine-tuned" if editors["one_example_finetuned"] else "trained from scratch"
    quality = editors["one_example_quality"]["all"]["all"]
    before = editors["serving_quality"].get("all", {}).get("all", "n/a")
    return [
        f"| full training, empty cache | {full} s |",
        f"| one NLU example added: training ({how}) | {editors['one_example_training_s']} s |",
        f"| one NLU example added: held-out measurement for the quality guard | "
        f"{editors['one_example_measuring_s']} s |",
        f"| one NLU example added: loading into the running engine | "
        f"{editors['one_example_loading_s']} s |",
        f"| **one NLU example added, until the new model serves** | "
        f"**{editors['one_example_serving_s']} s ({ratio(editors['one_example_serving_s'], full)}"
        f" of a full training)** |",
        f"| intent macro-F1 over every held-out message, new model / serving model | "
        f"{quality} / {before} |",
    ]


def chart(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4), dpi=120)
    series = {**results["latency"], "two_replicas": results["two_replicas"]}
    labels = {**PATHS, "two_replicas": "through the gateway, two engine replicas"}
    for name, by_concurrency in series.items():
        levels = sorted(by_concurrency, key=int)
        axis.plot([int(c) for c in levels], [by_concurrency[c]["p50_ms"] for c in levels],
                  marker="o", label=f"{labels[name]}, p50")  # fmt: skip
    rest = results["latency"]["rasa_rest"]
    levels = sorted(rest, key=int)
    axis.plot([int(c) for c in levels], [rest[c]["p95_ms"] for c in levels], linestyle="--",
              color="grey", label="Rasa alone, p95")  # fmt: skip
    axis.set_xscale("log", base=2)
    axis.set_xticks([int(c) for c in levels], [str(c) for c in levels])
    axis.set_xlabel("survivors writing at once")
    axis.set_ylabel("reply latency (ms)")
    axis.set_title("Reply latency against concurrency")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(CHART)


def write_report(results: dict[str, Any]) -> None:
    chart(results)
    lat = results["latency"]
    rest, sim, tw = lat["rasa_rest"], lat["gateway_simulator"], lat["gateway_twilio"]
    two = results["two_replicas"]
    machine = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {machine['date']}: {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}; the run took "
        f"{results['took_minutes']} minutes. Every ratio compares two figures of the same run: absolute times vary with the machine, "
        "and on a shared virtual machine from one day to the next, so compare ratios. "
        "The raw figures are in `results/bench.json`.",
        "",
        "The stack is the production shape on one machine: PostgreSQL for the gateway's store "
        "and Rasa's tracker store, Redis for Rasa's lock store, the real model and action "
        "server; Twilio is faked at its HTTP seam. Each simulated survivor sends six free-text "
        "messages (a greeting, a request for a lawyer in Lahore, two questions, a report "
        "question, thanks), one after the other; at least eight survivors per level (48 "
        "messages), 16 at 16 at once.",
        "",
        "## Latency and throughput",
        "",
        "![Reply latency against concurrency](benchmarks-latency.png)",
        "",
        "| path | survivors at once | p50 | p95 | p99 | messages/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in PATHS.items():
        for level, row in lat[name].items():
            lines.append(f"| {label} | {level} | {row['p50_ms']} ms | {row['p95_ms']} ms | "
                         f"{row['p99_ms']} ms | {row['per_second']} |")  # fmt: skip
    for level, row in two.items():
        lines.append(f"| gateway, two engine replicas | {level} | {row['p50_ms']} ms | "
                     f"{row['p95_ms']} ms | {row['p99_ms']} ms | {row['per_second']} |")  # fmt: skip
    one = "1"
    own = results["gateway_own_work"]
    saturated = str(max(int(c) for c in rest))
    lines += [
        "",
        f"- **The gateway's overhead** at p50 with one survivor: {sim[one]['p50_ms']} ms against "
        f"{rest[one]['p50_ms']} ms for Rasa alone, {ratio(sim[one]['p50_ms'], rest[one]['p50_ms'])} "
        f"(aim: under 1.10×). Through a signed Twilio webhook until the reply reaches Twilio: "
        f"{ratio(tw[one]['p50_ms'], rest[one]['p50_ms'])}. With 4 at once: "
        f"{ratio(sim['4']['p50_ms'], rest['4']['p50_ms'])}. The gateway's own work per message "
        "(identity, keywords, danger words, open ticket, rendering, the store on PostgreSQL), "
        "from its Server-Timing header in the same run, is "
        f"{own['p50_ms']} ms at p50 ({own['p95_ms']} ms at p95, {own['messages']} messages) of "
        f"the {round(sim[one]['p50_ms'] - rest[one]['p50_ms'], 1)} ms added; the rest is the "
        "extra HTTP hop: serving the request (uvicorn, FastAPI) and calling Rasa over HTTP.",
        f"- **At saturation** ({saturated} at once): Rasa alone answers {rest[saturated]['per_second']} "
        f"messages/s, the gateway {sim[saturated]['per_second']} "
        f"({ratio(sim[saturated]['per_second'], rest[saturated]['per_second'])}).",
        f"- **Two engine replicas** against one, through the gateway at {saturated} at once: "
        f"{two[saturated]['per_second']} against {sim[saturated]['per_second']} messages/s "
        f"({ratio(two[saturated]['per_second'], sim[saturated]['per_second'])}); p50 "
        f"{ratio(two[saturated]['p50_ms'], sim[saturated]['p50_ms'])}. One Rasa process answers "
        "on one core; a second replica puts the machine's other core to work (shared with the "
        "gateway, the actions and PostgreSQL), so beyond this, replicas need more cores or machines "
        "(docs/deploy.md). Messages each replica answered: "
        + ", ".join(
            f"replica {n}: {e['answered']}" for n, e in results["two_replicas_answered"].items()
        )
        + ".",
        "",
        "## Memory",
        "",
        "| process | idle | peak under load |",
        "| --- | --- | --- |",
    ]
    for name, idle in results["memory_idle_mb"].items():
        peak = results["memory_under_load_mb"].get(name, idle)
        lines.append(f"| {name} | {idle} MB | {peak} MB |")
    nlu = results["nlu"]
    lines += [
        "",
        "## Dialogue quality",
        "",
        "| language | intent macro-F1 (held-out / independent / blind) | service_type F1 "
        "(same sets) | emergencies with the numbers in the first reply "
        "| service requests reaching a list within three turns |",
        "| --- | --- | --- | --- | --- |",
    ]

    def per_set(code: str, figure: Callable[[dict], float]) -> str:
        return " / ".join(
            f"{figure(nlu[name][code]):.3f}" if code in nlu.get(name, {}) else "n/a"
            for name in ("held-out", "independent", "blind")
        )

    for code, name in LANGUAGES.items():
        conv = results["conversations"][code]
        lines.append(
            f"| {name} | {per_set(code, lambda r: r['intent_macro_f1'])} | "
            f"{per_set(code, lambda r: r['entities']['service_type']['f1'])} | "
            f"{conv['numbers_in_first_reply']:.0%} of {conv['emergencies']} | "
            f"{conv['service_list_within_three_turns']:.0%} of {conv['service_requests']} |"
        )
    lines += [
        "",
        "NLU figures are on three sets never trained on (`make bench-nlu` and "
        "[nlu.md](nlu.md) say how each was written). The conversations are the held-out "
        "emergency and service messages, each sent by a new survivor after onboarding (a place "
        "when asked, then skip).",
        "",
        "## Cost in SMS segments",
        "",
        "| language | segments per scripted conversation | longest reply |",
        "| --- | --- | --- |",
    ]
    for code, name in LANGUAGES.items():
        conv = results["conversations"][code]
        lines.append(f"| {name} | {conv['segments_per_conversation']} | "
                     f"{conv['longest_reply_segments']} segments |")  # fmt: skip
    cost = results["cost_per_character"]
    en, ur, roman = cost["en"], cost["ur"], cost["ur_Latn"]
    lines += [
        "",
        "Urdu script forces UCS-2: 70 characters per segment (67 when split) instead of 160 "
        f"(153). Across all {en['texts']} texts of the catalogs, one segment carries "
        f"{en['characters_per_segment']} characters of English, {roman['characters_per_segment']} "
        f"of Roman Urdu and {ur['characters_per_segment']} of Urdu script "
        f"({ratio(en['characters_per_segment'], ur['characters_per_segment'])} the price per "
        "character). The Urdu texts are written shorter so that none needs more than two "
        f"segments (`rahnuma content check` enforces it); still, the scripted conversations cost "
        f"{ratio(results['conversations']['ur']['segments_per_conversation'], results['conversations']['en']['segments_per_conversation'])} "
        "as many segments in Urdu script as in English.",
        "",
        "## Editors' wait",
        "",
        "| step | time |",
        "| --- | --- |",
        *editors_rows(results["editors"]),
        *wording_rows(results["editors"]),
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench        # needs PostgreSQL and Redis on their standard ports",
        "```",
        "",
        "It trains the model if it is stale, starts the stack on a fresh PostgreSQL database "
        "(`rahnuma_bench`), runs each load, the scripted conversations and the held-out NLU "
        "test, trains in a temporary copy of `dialogues/` (from an empty cache, then one "
        "added example the way `content publish` does it: fine-tuned, measured against the "
        "serving model and loaded into the running engine), publishes one changed word in a temporary copy of `locales/`, and "
        "rewrites this page and its chart. `BENCH_POSTGRES_URL` and `BENCH_REDIS_URL` point it "
        "elsewhere.",
        "",
    ]
    DOC.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write_report(json.loads((ROOT / "results" / "bench.json").read_text()))
    sys.exit(0)
