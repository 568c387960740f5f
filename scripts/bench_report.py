"""docs/benchmarks.md and its chart, from results/bench.json (written by scripts/bench.py)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_targets import DEFAULT_CURRENCY, Price, evaluate, price_from  # noqa: E402

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


NEW_SECTIONS_BEFORE = "## Memory"  # a section the page lacks goes before this one


def rewrite_target_sections(results: dict[str, Any], price: Price | None = None) -> None:
    """`make bench-targets` measures what issue 19's targets need: their table, the floor
    bot, growth, a model swap and the SMS cost are rewritten from its run (a section the
    page does not have yet goes where `make bench` puts it); the rest of the page stays."""
    page = DOC.read_text(encoding="utf-8")
    note = (f"Measured by `make bench-targets` on {results['machine']['date']} (both figures "
            "of each ratio from that run; a target it does not measure reads \"not measured\": "
            "`make bench` measures all).")  # fmt: skip
    sections = {
        "## Targets (issue 19)": [*targets_lines(results)[:2], note, "",
                                  *targets_lines(results)[2:]],
        "## Against a floor bot": floor_lines(results),
        "## Growth": growth_lines(results),
        "## A model swap": swap_lines(results),
        "## Cost in SMS segments": segments_lines(results, price or price_of(results)),
    }  # fmt: skip
    for heading, lines in sections.items():
        if not lines:
            continue
        text = "\n".join(lines).rstrip("\n") + "\n"
        if heading in page:
            start = page.index(heading)
            end = page.find("\n## ", start + 1)
            page = page[:start] + text + page[end if end != -1 else len(page) :]
        elif NEW_SECTIONS_BEFORE in page:  # where `make bench` puts it
            at = page.index(NEW_SECTIONS_BEFORE)
            page = page[:at] + text + "\n" + page[at:]
    DOC.write_text(page, encoding="utf-8")
    if "growth" in results:
        growth_chart(results)


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


GROWTH_CHART = ROOT / "docs" / "benchmarks-growth.png"
# Sections `make bench` does not write, carried over: the profile (scripts/bench_profile.py)
# and what issue 19 changed and left, written by hand.
KEPT = ("## Where the time goes", "## What changed for issue 19, and what remains")


def _figure(value: float, unit: str) -> str:
    return f"{value:.0f} {unit}" if unit == "messages" else f"{value} {unit}"  # counted: whole


def targets_lines(results: dict[str, Any]) -> list[str]:
    """Issue 19's targets: each ratio against its baseline from this run, pass or fail."""
    lines = [
        "## Targets (issue 19)",
        "",
        "| target | measured | baseline | ratio | aim | result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for outcome in evaluate(results):
        target = outcome.target
        shown = [f"{label}: {_figure(figure, target.unit)}" if figure is not None else "n/a"
                 for label, figure in ((target.value_label, outcome.value),
                                       (target.baseline_label, outcome.baseline))]  # fmt: skip
        lines.append(f"| {target.label} | {shown[0]} | {shown[1]} | {outcome.ratio_text()} | "
                     f"{outcome.aim()} | {outcome.mark} |")  # fmt: skip
    return [*lines, "", "A target that fails is reported as failing: nothing here was tuned "
            "to pass. The sections below say how each figure is measured.", ""]  # fmt: skip


def floor_lines(results: dict[str, Any]) -> list[str]:
    floor = results.get("floor")
    if not floor or "floor_p50_ms" not in floor:
        return []
    starts = floor["starts_s"]
    return [
        "## Against a floor bot",
        "",
        "The floor is a Rasa 3.6.21 bot the size of `rasa init` (`bench/floor_bot/`: five "
        "intents, four rules, two stories, one custom action served by rasa_sdk), trained in "
        f"this run ({floor['train_s']} s with Rasa's cache) and served by the same launcher "
        "(`engine/private_rasa.py`), with the same flags, SQL tracker store (PostgreSQL, a "
        "database of its own) and Redis lock store as ours. Both get the same six messages, "
        "one at a time, taking turns message by message; ours past onboarding, so that its "
        "messages run its flows and actions.",
        "",
        "| | ours | floor bot | ratio |",
        "| --- | --- | --- | --- |",
        f"| time per message, p50 ({floor['messages']} messages each) | {floor['ours_p50_ms']} "
        f"ms | {floor['floor_p50_ms']} ms | {ratio(floor['ours_p50_ms'], floor['floor_p50_ms'])} |",
        f"| engine start until the model serves, median (each start: ours "
        f"{', '.join(map(str, starts['ours']))} s; floor {', '.join(map(str, starts['floor']))} "
        f"s) | {floor['ours_start_s']} s | {floor['floor_start_s']} s | "
        f"{ratio(floor['ours_start_s'], floor['floor_start_s'])} |",
        "",
    ]


def growth_lines(results: dict[str, Any]) -> list[str]:
    growth = results.get("growth")
    if not growth:
        return []
    turns, listings = growth["turns"], growth["listings"]
    first_turns, first_listings = turns[min(turns, key=int)], listings[min(listings, key=int)]
    lines = [
        "## Growth",
        "",
        "![Time per message against conversation length and directory size](benchmarks-growth.png)",
        "",
        "| what grows | size | time per message, p50 | against the smallest | the first "
        "message after them, p50 | messages |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    kinds = (
        ("earlier turns in the conversation", turns, first_turns),
        ("listings in the directory", listings, first_listings),
    )
    for what, by_size, smallest in kinds:
        for size, row in sorted(by_size.items(), key=lambda item: int(item[0])):
            lines.append(
                f"| {what} | {int(size):,} | {row['p50_ms']} ms | "
                f"{ratio(row['p50_ms'], smallest['p50_ms'])} | "
                f"{str(row['first_p50_ms']) + ' ms' if 'first_p50_ms' in row else '—'} | "
                f"{row['messages']} |"
            )
    per_turn = first_turns.get("events_per_turn", "n/a")
    return [*lines, "",
        "Rasa alone (its REST channel), one message at a time, the sizes taking turns. Earlier "
        "turns are a real post-onboarding turn's events (" + str(per_turn) + " per turn), "
        "written through Rasa's `POST /conversations/<id>/tracker/events` in batches after a "
        "real onboarding, all in the current session: the engine starts a new session past "
        "`RAHNUMA_SESSION_MAX_EVENTS` events (200) at the next message, so the first message "
        "after them loads them all once (its p50 is in its own column, one per conversation) "
        "and the later ones load the new session, as in a conversation that lived those turns "
        "(it starts a session about every 20 turns; 20 earlier turns are about the longest "
        "session the engine loads). Listings are written straight into the "
        "database the action server reads, spread over every district and kind of help (three "
        "of them legal aid in Lahore); the measured message is a new person's \"I need a lawyer "
        "in Lahore\" after onboarding, which lists services every time. The 9,900 beyond the "
        "first hundred are switched between verified and draft between rounds.", ""]  # fmt: skip


def swap_lines(results: dict[str, Any]) -> list[str]:
    """Survivors writing through a model swap, against the same messages without one."""
    swap = results.get("swap")
    if not swap:
        return []
    rows = (("without a swap", swap["without"]), ("during the swap", swap["during"]))
    lines = [
        "## A model swap",
        "",
        "| | messages | answered as usual | p50 | slowest |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {when} | {row['messages']} | {row['answered']} | {row['p50_ms']} ms | "
          f"{row['slowest_ms']} ms |" for when, row in rows),
    ]  # fmt: skip
    return [*lines, "",
        f"{swap['talkers']} survivors past onboarding write through the gateway, each a message "
        f"{swap.get('pause_s', 0)} s after the last reply (a request for a lawyer, answered "
        "with a list of services), first without "
        f"a swap, then while the engine loads a copy of its model (`PUT /model`, as publishing "
        f"and retraining do): the swap took {swap['swap_s']} s. \"During\" counts every message "
        "the engine had in hand at some moment of it; \"as usual\" means the same answer as "
        "without a swap, not the holding reply (engine/model_swap.py).", ""]  # fmt: skip


def segments_lines(results: dict[str, Any], price: Price) -> list[str]:
    """Segments per scripted conversation and per first contact, and what they cost."""
    conversations = results["conversations"]
    lines = [
        "## Cost in SMS segments",
        "",
        (
            f"At {price.per_segment:g} {price.currency} per segment (`BENCH_SMS_PRICE`, "
            "`BENCH_SMS_CURRENCY`)"
            if price.currency != DEFAULT_CURRENCY
            else "No price was set (`BENCH_SMS_PRICE`, `BENCH_SMS_CURRENCY`): the cost is in "
            f"units of {price.per_segment:g} per segment"
        )
        + "; the bot's replies only, not what people send.",
        "",
        "| language | per scripted conversation | its cost | per first contact | its cost "
        "| longest reply |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for code, name in LANGUAGES.items():
        conv = conversations[code]
        first = conv.get("segments_first_contact")
        first_cells = f"{first} | {price.cost(first)}" if first is not None else "n/a | n/a"
        lines.append(f"| {name} | {conv['segments_per_conversation']} | "
                     f"{price.cost(conv['segments_per_conversation'])} | {first_cells} | "
                     f"{conv['longest_reply_segments']} segments |")  # fmt: skip
    lines += [
        "",
        'A scripted conversation is onboarding (a greeting, then "1" to each question) and '
        "one held-out emergency or service message, with a place when asked; the first contact "
        "is every reply to the person's first message (the introduction and what comes with "
        "it).",
        "",
    ]
    cost = results.get("cost_per_character")
    if cost:
        lines += characters_lines(cost, conversations)
    return lines


def characters_lines(cost: dict[str, Any], conversations: dict[str, Any]) -> list[str]:
    en, ur, roman = cost["en"], cost["ur"], cost["ur_Latn"]
    urdu, english = (conversations[code]["segments_per_conversation"] for code in ("ur", "en"))
    return [
        "Urdu script forces UCS-2: 70 characters per segment (67 when split) instead of 160 "
        f"(153). Across all {en['texts']} texts of the catalogs, one segment carries "
        f"{en['characters_per_segment']} characters of English, {roman['characters_per_segment']} "
        f"of Roman Urdu and {ur['characters_per_segment']} of Urdu script "
        f"({ratio(en['characters_per_segment'], ur['characters_per_segment'])} the price per "
        "character). The Urdu texts are written shorter so that none needs more than two "
        f"segments (`rahnuma content check` enforces it); still, the scripted conversations cost "
        f"{ratio(urdu, english)} as many segments in Urdu script as in English.",
        "",
    ]


def growth_chart(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (turns_axis, listings_axis) = plt.subplots(1, 2, figsize=(8, 3.5), dpi=120)
    for axis, key, label in ((turns_axis, "turns", "earlier turns in the conversation"),
                             (listings_axis, "listings", "listings in the directory")):  # fmt: skip
        by_size = results["growth"][key]
        sizes = sorted(by_size, key=int)
        axis.plot([int(n) for n in sizes], [by_size[n]["p50_ms"] for n in sizes], marker="o")
        axis.set_xscale("log")
        axis.set_xticks([int(n) for n in sizes], [f"{int(n):,}" for n in sizes])
        axis.set_xlabel(label)
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
    turns_axis.set_ylabel("time per message, p50 (ms)")
    figure.suptitle("Rasa alone: time per message as things grow")
    figure.tight_layout()
    figure.savefig(GROWTH_CHART)


def header_lines(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    return [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {machine['date']}: {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}; the run took "
        f"{results['took_minutes']} minutes. Every ratio compares two figures of the same run: "
        "absolute times vary with the machine, and on a shared virtual machine from one day "
        "to the next, so compare ratios. The raw figures are in `results/bench.json`.",
        "",
        "The stack is the production shape on one machine: PostgreSQL for the gateway's store "
        "and Rasa's tracker store, Redis for Rasa's lock store, the real model and action "
        "server; Twilio is faked at its HTTP seam. Each simulated survivor sends six free-text "
        "messages (a greeting, a request for a lawyer in Lahore, two questions, a report "
        "question, thanks), one after the other; at least eight survivors per level (48 "
        "messages), 16 at 16 at once. Sent straight to Rasa, these messages never get past "
        "onboarding (each is answered with the safety question not yet answered); the floor "
        "comparison and the growth below take each person through onboarding first.",
        "",
    ]


def latency_lines(results: dict[str, Any]) -> list[str]:
    lat = results["latency"]
    rest, sim, tw = lat["rasa_rest"], lat["gateway_simulator"], lat["gateway_twilio"]
    two = results["two_replicas"]
    lines = [
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
                     f"{row['p95_ms']} ms | {row['p99_ms']} ms | "
                     f"{row['per_second']} |")  # fmt: skip
    one = "1"
    own = results["gateway_own_work"]
    saturated = str(max(int(c) for c in rest))
    lines += [
        "",
        f"- **The gateway's overhead** at p50 with one survivor: {sim[one]['p50_ms']} ms against "
        f"{rest[one]['p50_ms']} ms for Rasa alone, "
        f"{ratio(sim[one]['p50_ms'], rest[one]['p50_ms'])} "
        f"(aim: under 1.10×). Through a signed Twilio webhook until the reply reaches Twilio: "
        f"{ratio(tw[one]['p50_ms'], rest[one]['p50_ms'])}. With 4 at once: "
        f"{ratio(sim['4']['p50_ms'], rest['4']['p50_ms'])}. The gateway's own work per message "
        "(identity, keywords, danger words, open ticket, rendering, the store on PostgreSQL), "
        "from its Server-Timing header in the same run, is "
        f"{own['p50_ms']} ms at p50 ({own['p95_ms']} ms at p95, {own['messages']} messages) of "
        f"the {round(sim[one]['p50_ms'] - rest[one]['p50_ms'], 1)} ms added; the rest is the "
        "extra HTTP hop: serving the request (uvicorn, FastAPI) and calling Rasa over HTTP.",
        f"- **At saturation** ({saturated} at once): Rasa alone answers "
        f"{rest[saturated]['per_second']} "
        f"messages/s, the gateway {sim[saturated]['per_second']} "
        f"({ratio(sim[saturated]['per_second'], rest[saturated]['per_second'])}).",
        f"- **Two engine replicas** against one, through the gateway at {saturated} at once: "
        f"{two[saturated]['per_second']} against {sim[saturated]['per_second']} messages/s "
        f"({ratio(two[saturated]['per_second'], sim[saturated]['per_second'])}); p50 "
        f"{ratio(two[saturated]['p50_ms'], sim[saturated]['p50_ms'])}. One Rasa process answers "
        "on one core; a second replica puts the machine's other core to work (shared with the "
        "gateway, the actions and PostgreSQL), so beyond this, replicas need more cores or "
        "machines (docs/deploy.md). Messages each replica answered: "
        + ", ".join(
            f"replica {n}: {e['answered']}" for n, e in results["two_replicas_answered"].items()
        )
        + ".",
        "",
    ]
    return lines


def memory_lines(results: dict[str, Any]) -> list[str]:
    lines = ["## Memory", "", "| process | idle | peak under load |", "| --- | --- | --- |"]
    for name, idle in results["memory_idle_mb"].items():
        peak = results["memory_under_load_mb"].get(name, idle)
        lines.append(f"| {name} | {idle} MB | {peak} MB |")
    return [*lines, ""]


def quality_lines(results: dict[str, Any]) -> list[str]:
    nlu = results["nlu"]
    lines = [
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
    ]
    return lines


def tail_lines(results: dict[str, Any]) -> list[str]:
    return [
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
        "serving model and loaded into the running engine), publishes one changed word in a "
        "temporary copy of `locales/`, and rewrites this page and its charts. Before the "
        "stack it trains the floor bot (`bench/floor_bot/`, into a temporary folder; Rasa's "
        "cache in `~/.cache/rahnuma/rasa-training-floor` replays it on later runs) and starts "
        "each engine alone, in turns (`BENCH_START_ROUNDS`, default 2).",
        "",
        "`BENCH_POSTGRES_URL` (the server), `BENCH_DATABASE` (default `rahnuma_bench`; the "
        "floor bot's tracker store is `<name>_floor`) and `BENCH_REDIS_URL` point it "
        "elsewhere. `BENCH_SMS_PRICE` (or `--sms-price`) is the price of one SMS segment and "
        "`BENCH_SMS_CURRENCY` its currency; `.venv/bin/python scripts/bench_report.py "
        "--sms-price 0.04 --currency USD` rewrites this page from `results/bench.json` at "
        "another price. `scripts/bench.py --only-targets` measures only what the targets "
        "need and the loads don't (about five minutes): the floor bot, growth, segments, "
        "one survivor's latency and a model swap, into `results/bench_targets.json`, and "
        "rewrites those sections of this page (`make bench-targets`).",
        "",
    ]


def render(results: dict[str, Any], price: Price, kept: list[str] | None = None) -> str:
    """The whole page, from the run's figures and the price of one segment; `kept`, the
    sections other scripts write (scripts/bench_profile.py), go before the editors' wait."""
    lines = [
        *header_lines(results),
        *targets_lines(results),
        *latency_lines(results),
        *floor_lines(results),
        *growth_lines(results),
        *swap_lines(results),
        *memory_lines(results),
        *quality_lines(results),
        *segments_lines(results, price),
        *(kept or []),
        *tail_lines(results),
    ]
    return "\n".join(lines)


def kept_sections(page: str) -> list[str]:
    """Sections `make bench` does not measure, carried over from the page it replaces."""
    kept = []
    for heading in KEPT:
        if heading in page:
            start = page.index(heading)
            end = page.find("\n## ", start + 1)
            kept.append(page[start : end if end != -1 else len(page)].rstrip("\n") + "\n")
    return kept


def write_report(results: dict[str, Any], price: Price | None = None) -> None:
    chart(results)
    if "growth" in results:
        growth_chart(results)
    kept = kept_sections(DOC.read_text(encoding="utf-8")) if DOC.exists() else []
    DOC.write_text(render(results, price or price_of(results), kept), encoding="utf-8")


def price_of(results: dict[str, Any]) -> Price:
    """The price the run was measured with, else today's setting."""
    kept = results.get("sms_price")
    return Price(**kept) if kept else price_from()


def main(argv: list[str]) -> int:
    """Re-render the page from results/bench.json, for instance at another price."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--sms-price",
        type=float,
        default=None,
        help="price of one SMS segment (default: the run's)",
    )
    parser.add_argument("--currency", default=None, help="its currency (default: the run's)")
    args = parser.parse_args(argv)  # fmt: skip
    results = json.loads((ROOT / "results" / "bench.json").read_text())
    price = price_of(results)
    price = Price(price.per_segment if args.sms_price is None else args.sms_price,
                  args.currency or price.currency)  # fmt: skip
    write_report(results, price)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
