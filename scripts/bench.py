"""`make bench`: how fast, how cheap, how good, measured side by side in one run.

Writes results/bench.json, docs/benchmarks.md and docs/benchmarks-latency.png. Every figure
is measured here, in this run, against a baseline from the same run (Rasa's REST channel
alone for the gateway's overhead, one engine replica for two, a full training for an
incremental one). Needs the machine's PostgreSQL and Redis (docs/deploy.md), like the
scale-out test: the engine's tracker store and lock store are the production ones.

Run with the app's environment: `.venv/bin/python scripts/bench.py` (make bench does).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Environment, Settings  # noqa: E402
from bot.editing.publish import publish  # noqa: E402
from bot.editing.retrain import promote, retrain  # noqa: E402
from bot.ops.stack import MODEL, RASA, Ports, Stack, write_endpoints  # noqa: E402
from bot.wording.segments import sms_shape  # noqa: E402
from scripts.bench_floor import FLOOR as FLOOR_DIR  # noqa: E402
from scripts.bench_floor import (  # noqa: E402
    engine_command,
    floor_endpoints,
    interleaved_p50,
    serve_floor,
    start_seconds,
    start_times,
    train_floor,
)
from scripts.bench_growth import REQUEST as LISTING_REQUEST  # noqa: E402
from scripts.bench_growth import Directory, conversation_growth, directory_growth  # noqa: E402
from scripts.bench_growth import onboard as onboard_rest  # noqa: E402
from scripts.bench_swap import measure as measure_swap  # noqa: E402
from scripts.bench_targets import conversation as conversation_segments  # noqa: E402
from scripts.bench_targets import evaluate, first_contact, price_from  # noqa: E402
from tests.auxil.providers import (  # noqa: E402
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProviders,
    serve_providers,
)
from tests.auxil.services import free_port, fresh_postgres_database  # noqa: E402
from tests.conftest import write_always_staffed  # noqa: E402

POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
DATABASE = os.environ.get("BENCH_DATABASE", "rahnuma_bench")
FLOOR_DATABASE = f"{DATABASE}_floor"  # the floor bot's tracker store, beside ours
START_ROUNDS = int(os.environ.get("BENCH_START_ROUNDS", "2"))  # each engine, taking turns
RESULTS = ROOT / "results"
CONCURRENCY = (1, 4, 16)
MESSAGES_PER_SURVIVOR = 6
SURVIVORS_AT_LEAST = 8  # 48 messages even one at a time: enough for a stable p50
# Free text the gateway passes through unchanged, so both paths run the same NLU and actions.
SCRIPT = [
    "hello",
    "I need a lawyer in Lahore",
    "what is bonded labour",
    "my employer kept my ID card, is that allowed?",
    "how do I report to the FIA",
    "thank you",
]
# Our engine's message key for a list of services (actions/services.py, list_services).
LISTED = "service.results"
_ids = itertools.count(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "messages": len(latencies),
        "per_second": round(len(latencies) / elapsed, 2),
    }


# -- load ------------------------------------------------------------------------------


def run_load(send: Callable[[str, str], object], concurrency: int) -> dict[str, float]:
    """`concurrency` survivors at once, each sending the script; latency of every message."""
    latencies: list[float] = []
    lock = threading.Lock()
    run = next(_ids)

    def survivor(number: int) -> None:
        sender = f"bench-{run}-{number}"
        for words in SCRIPT[:MESSAGES_PER_SURVIVOR]:
            started = time.perf_counter()
            send(sender, words)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(survivor, range(max(concurrency, SURVIVORS_AT_LEAST))))
    return summary(latencies, time.perf_counter() - started)


def rasa_sender(url: str) -> Callable[[str, str], list[dict[str, Any]]]:
    """Sends to Rasa's REST channel as conversation `rest-<sender>`; its replies."""
    client = httpx.Client(timeout=60)

    def send(sender: str, words: str) -> list[dict[str, Any]]:
        body = {
            "sender": "rest-" + sender,
            "message": words,
            "metadata": {"language": "en", "channel": "sms"},
        }
        response = client.post(f"{url}/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    return send


def simulator_sender(url: str, own_work: list[float] | None = None) -> Callable[[str, str], None]:
    """Sends through the simulator; `own_work` gets the gateway's own milliseconds per message
    (its Server-Timing header: the handler's time less the wait for the engine)."""
    client = httpx.Client(timeout=60)

    def send(sender: str, words: str) -> None:
        body = {"channel": "sms", "from": "sim-" + sender, "text": words}
        response = client.post(f"{url}/simulator/messages", json=body)
        response.raise_for_status()
        assert response.json()["replies"]
        if own_work is not None:
            timing = dict(
                part.strip().split(";dur=") for part in response.headers["server-timing"].split(",")
            )
            own_work.append(float(timing["gateway"]))

    return send


def twilio_sender(
    url: str, public_url: str, providers: FakeProviders
) -> Callable[[str, str], None]:
    """A signed webhook, until the reply reaches (the fake) Twilio: what a survivor waits."""
    client = httpx.Client(timeout=60)
    validator = RequestValidator(TWILIO_TOKEN)
    numbers: dict[str, str] = {}

    def send(sender: str, words: str) -> None:
        number = numbers.setdefault(sender, f"+92300{len(numbers) + next(_ids) * 1000:07d}")
        before = len(providers.sms_to(number))
        form = {"MessageSid": f"SM{next(_ids):032d}", "AccountSid": TWILIO_SID, "From": number,
                "To": "+15005550006", "Body": words, "NumMedia": "0"}  # fmt: skip
        signature = validator.compute_signature(f"{public_url}/webhooks/twilio", form)
        response = client.post(f"{url}/webhooks/twilio", data=form,
                               headers={"X-Twilio-Signature": signature})  # fmt: skip
        response.raise_for_status()
        deadline = time.monotonic() + 60
        while len(providers.sms_to(number)) <= before:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply reached Twilio")
            time.sleep(0.002)

    return send


# -- memory ----------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Rasa forks none, but be sure)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        status = Path(f"/proc/{one}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


class MemoryWatch:
    """Peak resident memory of each process while a load runs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for name, process in self.stack.processes.items():
                self.peak[name] = max(self.peak.get(name, 0.0), rss_mb(process.pid))
            time.sleep(0.2)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- dialogue quality and cost -------------------------------------------------------------


def heldout(language: str, intent: str) -> list[str]:
    import yaml

    examples: list[str] = []
    for path in sorted((ROOT / "dialogues" / "tests" / "nlu_heldout" / language).glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if item.get("intent") == intent:
                for line in str(item["examples"]).splitlines():
                    line = line.strip().removeprefix("- ").strip()
                    if line:
                        examples.append(_plain(line))
    return examples


def _plain(example: str) -> str:
    """Training markup [Lahore](location) to the words a person types."""
    import re

    return re.sub(
        r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), example
    )


# A greeting in the person's language (the conversation starts in it), then "1" to the
# safety question and to keeping their messages.
ONBOARDING = {"en": ["hello", "1", "1"], "ur": ["السلام علیکم", "1", "1"],
              "ur_Latn": ["salam", "1", "1"]}  # fmt: skip


def converse(url: str) -> Callable[[str, str], list[dict[str, Any]]]:
    client = httpx.Client(timeout=60)

    def say(sender: str, words: str) -> list[dict[str, Any]]:
        response = client.post(f"{url}/simulator/messages",
                               json={"channel": "sms", "from": sender, "text": words})  # fmt: skip
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()["replies"]
        return replies

    return say


def has_numbers(replies: list[dict[str, Any]]) -> bool:
    joined = " ".join(r["text"] for r in replies)
    return "15" in joined and "1122" in joined


def has_service_list(replies: list[dict[str, Any]]) -> bool:
    joined = "\n".join(r["text"] for r in replies)
    return ": 15" in joined and ": 1122" in joined


def onboard(
    say: Callable[[str, str], list[dict[str, Any]]],
    sender: str,
    onboarding: list[str],
    first_contacts: list[int],
) -> int:
    """Segments of a new person's onboarding; what their first message alone cost goes to
    `first_contacts` (issue 19: the introduction and the safety question)."""
    turns = [say(sender, words) for words in onboarding]
    first_contacts.append(first_contact(turns))
    return conversation_segments(turns)


def scripted_quality(url: str) -> dict[str, Any]:
    """Emergencies answered with the numbers in one reply; services within three turns;
    and what each conversation costs in SMS segments."""
    say = converse(url)
    out: dict[str, Any] = {}
    for language, onboarding in ONBOARDING.items():
        emergencies = heldout(language, "emergency")
        services = heldout(language, "find_service")
        numbers_ok = 0
        segments_per_conversation: list[int] = []
        longest = 0
        first_contacts: list[int] = []
        for words in emergencies:
            sender = f"q-{next(_ids)}"
            spent = onboard(say, sender, onboarding, first_contacts)
            replies = say(sender, words)
            numbers_ok += has_numbers(replies[:1])
            spent += sum(r["segments"] for r in replies)
            segments_per_conversation.append(spent)
            longest = max([longest, *(r["segments"] for r in replies)])
        list_ok = 0
        for words in services:
            sender = f"q-{next(_ids)}"
            spent = onboard(say, sender, onboarding, first_contacts)
            turns = [words, "Lahore", "0"]  # a place when asked, then skip whatever follows
            reached = False
            for turn in turns:
                replies = say(sender, turn)
                spent += sum(r["segments"] for r in replies)
                longest = max([longest, *(r["segments"] for r in replies)])
                if has_service_list(replies):
                    reached = True
                    break
            list_ok += reached
            segments_per_conversation.append(spent)
        out[language] = {
            "emergencies": len(emergencies),
            "numbers_in_first_reply": round(numbers_ok / max(len(emergencies), 1), 3),
            "service_requests": len(services),
            "service_list_within_three_turns": round(list_ok / max(len(services), 1), 3),
            "segments_per_conversation": round(statistics.mean(segments_per_conversation), 2),
            "segments_first_contact": round(statistics.mean(first_contacts), 2),
            "conversations": len(segments_per_conversation),
            "longest_reply_segments": longest,
        }
    return out


def cost_per_character() -> dict[str, dict[str, float]]:
    """Why Urdu script costs more: every text of the catalogs, characters against segments."""
    from bot.editing.check import SAMPLE_PARAMS
    from bot.editing.message_keys import all_keys
    from bot.wording.catalogs import Catalogs

    catalogs = Catalogs(ROOT / "locales")
    out = {}
    for language in ("en", "ur", "ur_Latn"):
        texts = [catalogs.render(language, key, SAMPLE_PARAMS) for key in all_keys()]
        characters = sum(len(t) for t in texts)
        segments = sum(sms_shape(t).segments for t in texts)
        out[language] = {
            "texts": len(texts),
            "characters": characters,
            "segments": segments,
            "characters_per_segment": round(characters / segments, 1),
        }
    return out


# -- editors' wait ---------------------------------------------------------------------------


def train(dialogues: Path, out: Path, cache: Path) -> float:
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(cache), "RASA_TELEMETRY_ENABLED": "false"}
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command
        [str(RASA), "train", "--domain", str(dialogues / "domain"), "--config",
         str(dialogues / "config.yml"), "--data", str(dialogues / "data"), "--out", str(out),
         "--fixed-model-name", "bench"],
        cwd=dialogues.parent, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return round(time.perf_counter() - started, 1)


def editors_wait(settings: Settings, engines: list[str]) -> dict[str, Any]:
    """What an editor waits for: a full training, then one NLU example added and published the
    way `content publish` does it (fine-tuned, measured against the serving model, swapped
    into the running engine), then a wording change."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(ROOT / "dialogues", work / "dialogues")
        cache, out = work / "cache", work / "models"
        full = train(work / "dialogues", out, cache)
        nlu = work / "dialogues" / "data" / "nlu" / "en" / "smalltalk.yml"
        lines = nlu.read_text(encoding="utf-8")
        marker = "- intent: greet\n  examples: |\n"
        assert marker in lines, "the bench expects a greet block in en/smalltalk.yml"
        nlu.write_text(lines.replace(marker, marker + "    - hello there friend\n", 1))
        serving = work / "serving" / "rahnuma.tar.gz"
        serving.parent.mkdir()
        shutil.copy(out / "bench.tar.gz", serving)
        # The serving model's figures are kept beside it when it is made: not part of the wait.
        measure = [str(RASA.parent / "python"), "scripts/retrain.py", "--measure-only",
                   "--serving", str(serving)]  # fmt: skip
        subprocess.run(measure, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
        # An empty cache of its own, as the full training had: nothing replayed from it.
        os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache-fine-tuning")
        started = time.perf_counter()
        try:
            candidate = retrain(serving, dialogues=work / "dialogues")
        finally:
            del os.environ["RASA_CACHE_DIRECTORY"]
        trained = time.perf_counter()
        for engine in engines:
            swap = {"model_file": str(candidate.path)}
            httpx.put(f"{engine}/model", params={"token": settings.rasa_token}, json=swap,
                      timeout=300).raise_for_status()  # fmt: skip
        promote(candidate, serving)
        loaded = time.perf_counter()

        publish = wording_publish(settings, work)
    return {
        "full_training_s": full,
        "one_example_finetuned": candidate.finetuned,
        "one_example_training_s": candidate.train_s,
        "one_example_measuring_s": round(trained - started - candidate.train_s, 1),
        "one_example_loading_s": round(loaded - trained, 1),
        "one_example_serving_s": round(loaded - started, 1),
        "one_example_quality": candidate.quality,
        "serving_quality": candidate.serving_quality or {},
        "wording_publish_s": publish,
    }


def wording_publish(settings: Settings, work: Path) -> float:
    """A changed word going live the way an approval in the console makes it live (the same
    `publish`, checks included): after a first publication, as in any deployment."""
    shutil.copytree(ROOT / "locales", work / "locales", ignore=shutil.ignore_patterns("*.mo"))
    working = settings.model_copy(update={
        "locales_dir": work / "locales", "published_dir": work / "published",
        "database_url": f"sqlite:///{work / 'publish.db'}",
    })  # fmt: skip
    publish(working, by="bench (first publication)")  # validates the dialogues once
    po = work / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    text_before = po.read_text(encoding="utf-8")
    po.write_text(text_before.replace('msgstr "OK."', 'msgstr "Okay."', 1), encoding="utf-8")
    started = time.perf_counter()
    result = publish(working, by="bench")
    elapsed = round(time.perf_counter() - started, 1)
    if not result.ok or not result.changed_keys:
        raise RuntimeError(f"the wording publish failed: {result.findings}")
    return elapsed


# -- the run ---------------------------------------------------------------------------------


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--only-editors", action="store_true", help="only the editors' wait (make bench-editors)"
    )
    only.add_argument(
        "--only-targets",
        action="store_true",
        help="only issue 19's new figures (floor bot, growth, segments, one "
        "survivor's latency, a model swap): results/bench_targets.json and those sections of "
        "the page",
    )
    parser.add_argument("--sms-price", type=float, default=None,
                        help="price of one SMS segment (default: $BENCH_SMS_PRICE, else 1); "
                             "$BENCH_SMS_CURRENCY names its currency")  # fmt: skip
    return parser.parse_args(argv)


def bench_settings(workdir: Path, fake: str, ports: Ports, database: str = DATABASE) -> Settings:
    url = fresh_postgres_database(POSTGRES, database)
    return Settings(
        environment=Environment.TEST, database_url=url, tracker_db_url=url,
        redis_url=REDIS, public_url=f"http://127.0.0.1:{ports.gateway}",
        twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+15005550006", twilio_api_url=f"{fake}/twilio",
        locales_dir=workdir / "locales", published_dir=workdir / "published",
        staff_hours_file=write_always_staffed(workdir),
    )  # fmt: skip


def main() -> int:
    args = arguments(sys.argv[1:])
    if not MODEL.exists():
        print("models/rahnuma.tar.gz is missing: `make bench` trains it first", file=sys.stderr)
        return 1
    started_at = datetime.now(UTC)
    price = price_from(override=args.sms_price)
    results: dict[str, Any] = {"machine": machine(), "sms_price": asdict(price)}
    providers = FakeProviders()
    with tempfile.TemporaryDirectory() as folder, serve_providers(providers, free_port()) as fake:
        providers.url = fake
        workdir = Path(folder)
        shutil.copytree(
            ROOT / "locales", workdir / "locales", ignore=shutil.ignore_patterns("*.mo")
        )
        ports = Ports(free_port(), free_port(), free_port())
        settings = bench_settings(workdir, fake, ports)
        stack = Stack(settings, ports, workdir=workdir)
        try:
            if args.only_editors:
                stack.start()
                stack.wait_healthy(timeout=300)
            else:
                floor = prepare_floor(stack, workdir)
                measure = only_targets if args.only_targets else serve_and_measure
                results.update(measure(stack, settings, ports, providers, floor))
            if not args.only_targets:
                print("Editors' wait: a full training, one example published, a text...",
                      flush=True)  # fmt: skip
                results["editors"] = editors_wait(settings, stack.engine_urls())
        finally:
            stack.stop()
    results["took_minutes"] = round((datetime.now(UTC) - started_at).total_seconds() / 60, 1)
    return write_results(results, args)


def write_results(results: dict[str, Any], args: argparse.Namespace) -> int:
    RESULTS.mkdir(exist_ok=True)
    if args.only_editors:  # `make bench-editors`: only that section of the page is rewritten
        (RESULTS / "bench_editors.json").write_text(json.dumps(results, indent=2))
        from scripts.bench_report import rewrite_editors_section

        rewrite_editors_section(results)
        print("Done: the editors' wait in docs/benchmarks.md, results/bench_editors.json")
        return 0
    if args.only_targets:
        (RESULTS / "bench_targets.json").write_text(
            json.dumps(results, indent=2, ensure_ascii=False)
        )
        from scripts.bench_report import rewrite_target_sections

        rewrite_target_sections(results)
        print_targets(results)
        print(f"Done in {results['took_minutes']} min: results/bench_targets.json and its "
              "sections of docs/benchmarks.md")  # fmt: skip
        return 0
    print("NLU on held-out examples...", flush=True)
    subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), "scripts/bench_nlu.py"],  # noqa: S603
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    results["nlu"] = json.loads((RESULTS / "nlu.json").read_text())
    results["cost_per_character"] = cost_per_character()
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    from scripts.bench_report import write_report

    write_report(results)
    print_targets(results)
    print(f"Done in {results['took_minutes']} min: docs/benchmarks.md, results/bench.json")
    return 0


def print_targets(results: dict[str, Any]) -> None:
    for outcome in evaluate(results):
        print(f"  {outcome.mark:14} {outcome.ratio_text():>7} (aim {outcome.aim()})  "
              f"{outcome.target.label}")  # fmt: skip


# -- the floor bot and growth (issue 19) -----------------------------------------------------


@dataclass(frozen=True)
class Floor:
    model: Path
    endpoints: Path
    actions_port: int
    figures: dict[str, Any]  # training and start times, measured before the stack starts


def prepare_floor(stack: Stack, workdir: Path) -> Floor:
    """Train the floor bot, then start it and our engine alone, in turns, before anything
    else runs: how long each takes until its model serves."""
    print("The floor bot: training (replayed from Rasa's cache after a first run)...",
          flush=True)  # fmt: skip
    model, train_s = train_floor(workdir / "floor-model")
    actions_port = free_port()
    endpoints = floor_endpoints(
        workdir / "floor-endpoints.yml", actions_port=actions_port, redis_url=REDIS,
        tracker_db_url=fresh_postgres_database(POSTGRES, FLOOR_DATABASE),
    )  # fmt: skip
    settings, token = stack.settings, stack.settings.rasa_token
    ours = write_endpoints(workdir / "start-endpoints.yml", settings, free_port())
    credentials = ROOT / "dialogues" / "credentials.yml"

    def start(model: Path, endpoints: Path, credentials: Path, name: str) -> Callable[[], float]:
        def once() -> float:
            port = free_port()
            return start_seconds(
                engine_command(model, endpoints, credentials, port, token),
                url=f"http://127.0.0.1:{port}", token=token, log=workdir / f"start-{name}.log",
                env=stack.env_for("engine"),
            )  # fmt: skip

        return once

    print(f"Engine start, ours and the floor's, {START_ROUNDS} times each...", flush=True)
    starts = start_times({"ours": start(MODEL, ours, credentials, "ours"),
                          "floor": start(model, endpoints, FLOOR_DIR / "credentials.yml",
                                         "floor")}, START_ROUNDS)  # fmt: skip
    figures = {"train_s": train_s, "starts_s": starts,
               "ours_start_s": round(statistics.median(starts["ours"]), 1),
               "floor_start_s": round(statistics.median(starts["floor"]), 1)}  # fmt: skip
    return Floor(model, endpoints, actions_port, figures)


def floor_and_growth(stack: Stack, floor: Floor, out: dict[str, Any]) -> None:
    """Our engine against the floor bot, message by message; then ours with longer
    conversations and a bigger directory. Rasa alone (its REST channel) throughout."""
    settings, engine = stack.settings, stack.engine_urls()[0]
    print("Our engine against the floor bot, one message at a time...", flush=True)
    with serve_floor(floor.model, floor.endpoints, port=free_port(),
                     actions_port=floor.actions_port, token=settings.rasa_token,
                     workdir=stack.workdir) as floor_url:  # fmt: skip
        senders = {"ours": rasa_sender(engine), "floor": rasa_sender(floor_url)}
        # Ours past onboarding, where its messages run the flows (the floor has none).
        ready: dict[str, Callable[[str], None]] = {
            "ours": functools.partial(onboard_rest, senders["ours"])
        }
        interleaved_p50(senders, SCRIPT, 2, ready)  # warm up: first messages load lazily
        latencies = interleaved_p50(senders, SCRIPT, SURVIVORS_AT_LEAST, ready)
    out["floor"] = (
        floor.figures
        | {"messages": len(latencies["ours"])}
        | {
            f"{name}_p50_ms": round(percentile(seconds, 0.5) * 1000, 1)
            for name, seconds in latencies.items()
        }
    )
    print("Growth: 10, 20, 100 and 1,000 earlier turns...", flush=True)
    send = rasa_sender(engine)
    growth = {"turns": conversation_growth(engine, settings.rasa_token, send, SCRIPT)}
    print("Growth: 100 and 10,000 listings...", flush=True)
    directory = Directory(settings.database_url, settings.gazetteer_file)
    growth["listings"] = directory_growth(directory, listing_sender(send))
    out["growth"] = growth


def listing_sender(
    send: Callable[[str, str], list[dict[str, Any]]],
) -> Callable[[str, str], list[dict[str, Any]]]:
    """The service request must reach the directory, or its time says nothing about it."""

    def ask(sender: str, words: str) -> list[dict[str, Any]]:
        replies = send(sender, words)
        if words == LISTING_REQUEST and LISTED not in json.dumps(replies):
            raise RuntimeError("the service request was not answered with a list")
        return replies

    return ask


def only_targets(
    stack: Stack, settings: Settings, ports: Ports, providers: FakeProviders, floor: Floor
) -> dict[str, Any]:
    """`--only-targets`: what the targets need and the full run's loads don't: one survivor
    at a time for the gateway's figures, the floor bot, growth, the segments and a swap."""
    out: dict[str, Any] = {}
    stack.start()
    stack.wait_healthy(timeout=300)
    gateway, engine = f"http://127.0.0.1:{ports.gateway}", stack.engine_urls()[0]
    run_load(simulator_sender(gateway), 2)  # warm up
    own_work: list[float] = []
    out["latency"] = {"rasa_rest": {"1": run_load(rasa_sender(engine), 1)},
                      "gateway_simulator": {"1": run_load(simulator_sender(gateway, own_work),
                                                          1)}}  # fmt: skip
    out["gateway_own_work"] = {"p50_ms": round(percentile(own_work, 0.50), 2),
                               "messages": len(own_work)}  # fmt: skip
    print("SMS segments, scripted conversations...", flush=True)
    out["conversations"] = scripted_quality(gateway)
    floor_and_growth(stack, floor, out)
    print("A model swap while survivors write...", flush=True)
    out["swap"] = measure_swap(gateway, settings, engine, stack.workdir)
    return out


def serve_and_measure(
    stack: Stack, settings: Settings, ports: Ports, providers: FakeProviders, floor: Floor
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    print("Starting the stack (one engine)...", flush=True)
    stack.start()
    stack.wait_healthy(timeout=300)
    gateway = f"http://127.0.0.1:{ports.gateway}"
    engine = stack.engine_urls()[0]
    time.sleep(2)
    out["memory_idle_mb"] = {name: rss_mb(p.pid) for name, p in stack.processes.items()}
    run_load(simulator_sender(gateway), 2)  # warm up: first messages load lazily
    latency: dict[str, dict[str, Any]] = {"rasa_rest": {}, "gateway_simulator": {},
                                          "gateway_twilio": {}}  # fmt: skip
    own_work: list[float] = []  # with one survivor at once: no waiting for other messages
    with MemoryWatch(stack) as watch:
        for concurrency in CONCURRENCY:
            print(f"  {concurrency} survivor(s) at once...", flush=True)
            latency["rasa_rest"][str(concurrency)] = run_load(rasa_sender(engine), concurrency)
            latency["gateway_simulator"][str(concurrency)] = run_load(
                simulator_sender(gateway, own_work if concurrency == 1 else None), concurrency
            )
            latency["gateway_twilio"][str(concurrency)] = run_load(
                twilio_sender(gateway, settings.public_url, providers), concurrency
            )
    out["memory_under_load_mb"] = watch.peak
    out["latency"] = latency
    out["gateway_own_work"] = {
        "p50_ms": round(percentile(own_work, 0.50), 2),
        "p95_ms": round(percentile(own_work, 0.95), 2),
        "messages": len(own_work),
    }
    print("Dialogue quality and SMS cost, scripted conversations...", flush=True)
    out["conversations"] = scripted_quality(gateway)
    floor_and_growth(stack, floor, out)
    print("A model swap while survivors write...", flush=True)
    out["swap"] = measure_swap(gateway, settings, engine, stack.workdir)

    print("Two engine replicas (Redis lock store)...", flush=True)
    stack.stop("gateway")
    stack.ports.more_engines = (free_port(),)
    stack.start_engine(only=2)
    stack.start(engine=False, actions=False)
    stack.wait_healthy(timeout=300)
    run_load(simulator_sender(gateway), 2)
    out["two_replicas"] = {str(c): run_load(simulator_sender(gateway), c) for c in CONCURRENCY}
    out["two_replicas_answered"] = httpx.get(f"{gateway}/healthz").json()["engines"]
    return out


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": sys.version.split()[0],
        "date": datetime.now(UTC).date().isoformat(),
    }


if __name__ == "__main__":
    sys.exit(main())
