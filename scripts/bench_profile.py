"""Where the engine's time goes: our Rasa under cProfile while people write to it.

`.venv/bin/python scripts/bench_profile.py` starts the action server and one engine (the
engine through `python -m cProfile engine/private_rasa.py`, otherwise as bot/ops/stack.py
starts it, on PostgreSQL and Redis like `make bench`), takes a few people through onboarding
and the bench's script, stops the engine, and rewrites the "Where the time goes" section of
docs/benchmarks.md (kept when `make bench` rewrites the rest). cProfile counts time on the
engine's event loop thread: a coroutine waiting (for the action server, for PostgreSQL over
an async driver) is not counted, a blocking call is.
"""

from __future__ import annotations

import argparse
import json
import pstats
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ops.stack import MODEL, PRIVATE_RASA, Ports, Stack, write_endpoints  # noqa: E402
from scripts.bench import DATABASE, SCRIPT, bench_settings, percentile, rasa_sender  # noqa: E402
from scripts.bench_floor import Process, engine_command, spawn, wait_ready  # noqa: E402
from scripts.bench_growth import onboard  # noqa: E402
from tests.auxil.services import free_port  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Where the time goes"
GATEWAY = "### The gateway's own work"  # a subsection of it this script leaves as it is
# (file, function, what it is): the largest cumulative time among functions of that name in
# that file, so that a wrapper and what it wraps are not added up.
PARTS = (
    ("rasa/core/processor.py", "handle_message", "the whole turn (`handle_message`)"),
    ("rasa/core/processor.py", "_parse_message_with_graph", "NLU: the model's pipeline"),
    ("rasa/core/processor.py", "run_action_extract_slots", "slot mappings after NLU"),
    ("rasa/core/processor.py", "_predict_next_with_tracker", "policies: the next action"),
    ("rasa/core/processor.py", "_run_action", "running actions (the HTTP wait not counted)"),
    (
        "rasa/core/actions/action.py",
        "_action_call_format",
        "of which: gathering an action call's body (the conversation's events)",
    ),
    (
        "rasa/utils/endpoints.py",
        "request",
        "of which: the call itself (the body, domain included, to JSON; the wait not counted)",
    ),
    (
        "rasa/core/actions/action.py",
        "_validate_action_result",
        "of which: the action server's answer checked (jsonschema)",
    ),
    ("rasa/core/tracker_store.py", "retrieve", "tracker store: reading the conversation"),
    ("rasa/shared/core/trackers.py", "from_dict", "of which: events into a tracker"),
    ("rasa/core/tracker_store.py", "save", "tracker store: writing the turn"),
    ("rasa/core/lock_store.py", "lock", "lock store (Redis)"),
    ("engine/turns_once.py", "recorded_replies", "ours: a message sent again (turns_once)"),
)


# What Rasa 3.6.21's code does on every turn, which the figures above and the growth section
# show the price of (read in rasa/core/actions/action.py and rasa/core/tracker_store.py).
READING = [
    "How Rasa 3.6.21 spends it, read in its code: every custom action's answer is checked "
    "with `jsonschema.validate` (`RemoteAction._validate_action_result`), which builds a new "
    "validator and checks the schema itself on every call; every action call carries the "
    "conversation's events at `EventVerbosity.ALL` and, without `enable_selective_domain`, the "
    "domain; the SQL tracker store reads every event since the session started and counts "
    "them again to save the turn, so a turn costs more the longer the session (see Growth; "
    "the engine starts a new session past `RAHNUMA_SESSION_MAX_EVENTS` events and reads "
    "the session through an index: `engine/long_sessions.py`, `engine/session_query.py`). "
    "On the action server, the referral query reads every reachable listing and ranks them in "
    "Python (`bot/directory/listings.py`, `find_listings`), so a service request costs more "
    "the bigger the directory.",
]


def cumulative(stats: pstats.Stats, where: str, name: str) -> tuple[float, int]:
    """Seconds and calls of the costliest function `name` in a file ending with `where`."""
    best = (0.0, 0)
    for (path, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and path.endswith(where):
            calls, seconds = row[1], row[3]
            best = max(best, (seconds, calls))
    return best


def top_own_time(stats: pstats.Stats, count: int = 12) -> list[dict[str, Any]]:
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])  # type: ignore[attr-defined]
    out = []
    for (path, line, function), row in rows[:count]:
        short = path.split("site-packages/")[-1] if "site-packages" in path else path
        out.append({"function": f"{short}:{line} {function}", "own_s": round(row[2], 3)})
    return out


def load(engine: str, people: int, at_once: int) -> list[float]:
    """People through onboarding and the script, `at_once` at a time: seconds per message."""
    send = rasa_sender(engine)
    latencies: list[float] = []
    run = time.monotonic_ns()

    def person(number: int) -> None:
        sender = f"profile-{run}-{number}"
        onboard(send, sender)
        for words in SCRIPT[1:]:
            started = time.perf_counter()
            send(sender, words)
            latencies.append(time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        list(pool.map(person, range(people)))
    return latencies


def profile(workdir: Path, people: int, at_once: int) -> dict[str, Any]:
    ports = Ports(free_port(), free_port(), free_port())
    settings = bench_settings(workdir, "http://127.0.0.1:9", ports, f"{DATABASE}_profile")
    stack = Stack(settings, ports, workdir=workdir)
    token, out = stack.settings.rasa_token, workdir / "engine.prof"
    endpoints = write_endpoints(workdir / "endpoints.yml", stack.settings, ports.actions)
    command = engine_command(MODEL, endpoints, ROOT / "dialogues" / "credentials.yml",
                             ports.engine, token)  # fmt: skip
    command[1:1] = ["-m", "cProfile", "-o", str(out)]  # the launcher, under the profiler
    assert command[0] == PRIVATE_RASA[0]
    stack.start(engine=False, gateway=False)
    engine: Process | None = None
    try:
        stack.wait_healthy(timeout=120)
        engine = spawn(command, log=workdir / "engine.log", env=stack.env_for("engine"))
        url = f"http://127.0.0.1:{ports.engine}"
        wait_ready(engine, url, token)
        load(url, 2, 1)  # warm up: first messages load lazily
        latencies = load(url, people, at_once)
    finally:
        if engine is not None:
            engine.stop()  # cProfile writes its file as the engine exits
        stack.stop()
    return summarise(pstats.Stats(str(out)), latencies)


def summarise(stats: pstats.Stats, latencies: list[float]) -> dict[str, Any]:
    turns = cumulative(stats, *PARTS[0][:2])[1] or 1
    parts = []
    for where, name, what in PARTS:
        seconds = cumulative(stats, where, name)[0]
        parts.append({"what": what, "ms_per_turn": round(seconds / turns * 1000, 1)})
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "turns": turns,
        "wall_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "parts": parts,
        "top_own_time": top_own_time(stats),
    }


def section(found: dict[str, Any]) -> str:
    whole = found["parts"][0]["ms_per_turn"]
    lines = [SECTION, "",
             f"Measured by `scripts/bench_profile.py` on {found['date']}: our engine under "
             f"cProfile, {found['turns']} turns (onboarding and the bench's script), "
             f"{found['wall_p50_ms']} ms per message at p50 from outside with the profiler's "
             "overhead. Milliseconds per turn on the engine's event loop (waits not counted):",
             "", "| part | ms per turn | share of the turn |", "| --- | --- | --- |"]  # fmt: skip
    for part in found["parts"]:
        share = f"{part['ms_per_turn'] / whole:.0%}" if whole else "n/a"
        lines.append(f"| {part['what']} | {part['ms_per_turn']} | {share} |")
    lines += ["", "The functions with the most own time over the whole run (the engine's start "
              "included: loading the model, TensorFlow building its graph):", "",
              "| function | own time |", "| --- | --- |"]  # fmt: skip
    lines += [f"| `{row['function']}` | {row['own_s']} s |" for row in found["top_own_time"]]
    return "\n".join([*lines, "", *READING, ""])


def rewrite_section(text: str) -> None:
    page = DOC.read_text(encoding="utf-8")
    if SECTION in page:
        start = page.index(SECTION)
        end = page.find("\n## ", start + 1)
        old = page[start : end + 1 if end != -1 else len(page)]
        if GATEWAY in old:  # written by hand from scripts/bench_gateway.py: kept
            text = text.rstrip("\n") + "\n\n" + old[old.index(GATEWAY) :].rstrip("\n") + "\n\n"
        page = page[:start] + text + (page[end + 1 :] if end != -1 else "")
    else:  # before the editors' wait, after what the engine costs
        at = page.index("## Editors' wait")
        page = page[:at] + text + "\n" + page[at:]
    DOC.write_text(page, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--at-once", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        shutil.copytree(ROOT / "locales", workdir / "locales",
                        ignore=shutil.ignore_patterns("*.mo"))  # fmt: skip
        found = profile(workdir, args.people, args.at_once)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "profile.json").write_text(json.dumps(found, indent=2))
    rewrite_section(section(found))
    print(section(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
