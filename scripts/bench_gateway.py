"""The gateway's own work per message, without Rasa: where issue 19's "own work" goes.

`.venv/bin/python scripts/bench_gateway.py` runs the real gateway (`create_app`, every part
wired as in production) in this process on PostgreSQL, with a stand-in for Rasa at the HTTP
seam that answers as our engine does and writes events to Rasa's table as Rasa would. People
write `make bench`'s script (new to the bot: they have not agreed to keeping anything, so
each turn also scrubs their words from the tracker), and others, who agreed, go on through
the menus. The figure is the simulator's Server-Timing `gateway` value, what `make bench`
reads: the handler's time less the wait for the engine.

`--against REF` measures the gateway of git revision REF too, in the same run and taking
turns with this tree (each in a process of its own), and prints the ratio. `--profile`
prints where this tree's time goes (cProfile) and how many statements and transactions
each message costs on each database.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The tree whose gateway is measured: this one, or another revision's (--against).
TREE = Path(os.environ.get("BENCH_GATEWAY_TREE", ROOT))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(TREE))
os.environ.setdefault("RAHNUMA_ENVIRONMENT", "test")

import httpx  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
DATABASE = os.environ.get("BENCH_GATEWAY_DATABASE", "rahnuma_bench_gateway")
# make bench's script (scripts/bench.py, SCRIPT): free text the engine answers.
BENCH_SCRIPT = [
    "hello",
    "I need a lawyer in Lahore",
    "what is bonded labour",
    "my employer kept my ID card, is that allowed?",
    "how do I report to the FIA",
    "thank you",
]
# Someone else goes through onboarding by menu digits, agrees to keeping, and goes on.
AGREED_SCRIPT = [
    *("hello", "1", "1"),  # safe to talk, yes to keeping (the language is the one written)
    *("1", "what are my rights", "2", "0", "I need a shelter in Multan", "1"),
]

NEW, AGREED = "newcomer", "agreed"
RASA_EVENTS = (
    "CREATE TABLE IF NOT EXISTS events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
    " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
    " action_name VARCHAR(255), data TEXT);"
    " CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)"
)


def _option(key: str, payload: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "payload": payload, **extra}


SKIP = _option("option.skip", "/skip")
MENU = [
    _option("option.find_service", "/find_service"),
    _option("option.information", '/ask_trafficking_info{"topic": "overview"}'),
    _option("option.job_offer", "/ask_job_offer"),
    _option("option.request_human", "/request_human"),
]
LANGUAGES = [
    _option("language.name", f'/change_language{{"language": "{code}"}}', in_language=code)
    for code in ("en", "ur", "ur_Latn")
]
SAFE = [_option("option.safe_now", "/affirm"), _option("option.later", "/deny")]
YES_NO = [_option("option.yes", "/affirm"), _option("option.no", "/deny")]
BACK = _option("option.main_menu", "/main_menu")
INFO = ("info.legal_aid", "info.rights.id_documents", "info.reporting.fia", "info.rights")


def _answer(step: str, message: str, turn: int) -> tuple[str, list[dict[str, Any]]]:
    """What our engine says at this step of onboarding (keys, not text), and the next step."""
    if step == "new":
        asked = {"key": "language.ask", "options": LANGUAGES, "zero": SKIP}
        return "language", [{"key": "welcome.intro"}, asked]
    if step == "language":
        changed = [{"key": "language.changed", "set_language": "en"}]
        said = changed if message.startswith("/change_language") else []
        return "safety", [*said, {"key": "safety.ask", "options": SAFE, "zero": SKIP}]
    if step == "safety" or (step == "consent" and message != "/affirm"):
        asked = {"key": "consent.ask", "options": YES_NO, "zero": SKIP}
        return "consent", [{"key": "privacy.notice", "params": {"days": 90}}, asked]
    if step == "consent":
        menu = {"key": "menu.main", "options": MENU, "zero": SKIP}
        return "done", [{"key": "consent.given", "consent": True}, menu]
    menu = {"key": "menu.next", "options": MENU[:2], "zero": BACK}
    return "done", [{"key": INFO[turn % len(INFO)]}, menu]


class RasaStandIn:
    """Rasa's REST channel at the HTTP seam: answers as our engine does during onboarding
    and after, and writes each turn's events to Rasa's table as Rasa does (so the gateway's
    scrub of what someone wrote reads real rows)."""

    def __init__(self, tracker_url: str) -> None:
        self.tracker = create_engine(tracker_url)
        self.steps: dict[str, str] = {}
        self.turns: Counter[str] = Counter()
        self.cpu = 0.0  # seconds of this process's CPU spent standing in for Rasa

    def handler(self, request: httpx.Request) -> httpx.Response:
        started = time.process_time()
        try:
            return self._handle(request)
        finally:
            self.cpu += time.process_time() - started

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        body = json.loads(request.content)
        sender, message = body["sender"], body["message"]
        step, answer = _answer(self.steps.get(sender, "new"), message, self.turns[sender])
        self.steps[sender] = step
        self.turns[sender] += 1
        self._write_events(sender, message, answer)
        return httpx.Response(200, json=[{"recipient_id": sender, "custom": m} for m in answer])

    def _write_events(self, sender: str, message: str, answer: list[dict[str, Any]]) -> None:
        now = time.time()
        place = {"entity": "location", "value": "Lahore", "text": "Lahore"}
        parsed = {"text": message, "intent": {"name": "ask_legal_aid"}, "entities": [place]}
        rows = [
            ("user", {"event": "user", "text": message, "parse_data": parsed}),
            ("slot", {"event": "slot", "name": "location", "value": "Lahore"}),
            ("action", {"event": "action", "name": "action_answer"}),
            ("slot", {"event": "slot", "name": "pending", "value": "consent"}),
        ]
        rows += [("bot", {"event": "bot", "data": {"custom": m}}) for m in answer]
        rows.append(("action", {"event": "action", "name": "action_listen"}))
        with self.tracker.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:sender, :type, :at, :data)"
                ),
                [{"sender": sender, "type": t, "at": now, "data": json.dumps(d)} for t, d in rows],
            )


class Statements:
    """Statements, transactions and connections taken from the pool, per database and per
    kind of person (SQLAlchemy's events): counts, not times."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.kind = ""  # whose messages are being counted

    def watch(self, engine: Engine, name: str) -> None:
        def count(what: str) -> Any:
            def counted(*_: object) -> None:
                self.counts[self.kind, f"{name}: {what}"] += 1

            return counted

        event.listen(engine, "before_cursor_execute", count("statements"))
        event.listen(engine, "begin", count("transactions"))
        event.listen(engine.pool, "checkout", count("connections taken"))


Figures = dict[str, dict[str, list[float]]]  # measure -> kind of person -> ms per message
WALL, CPU = "wall", "cpu"


async def _converse(
    app: Any, people: int, rounds: int, profiler: cProfile.Profile | None, statements: Statements
) -> Figures:
    """Each round, `people` newcomers write the bench's script and as many others go through
    onboarding and on; every message after the first round (a warm-up: first messages load
    lazily), by kind of person: the Server-Timing `gateway` figure (time on the clock, waits
    for PostgreSQL included) and the CPU this process spent on it."""
    figures: Figures = {WALL: {NEW: [], AGREED: []}, CPU: {NEW: [], AGREED: []}}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for round_ in range(rounds + 1):
            if round_ == 1:
                statements.counts.clear()
                if profiler is not None:
                    profiler.enable()
            for person in range(people):
                for kind, script in ((NEW, BENCH_SCRIPT), (AGREED, AGREED_SCRIPT)):
                    statements.kind = kind
                    for words in script:
                        body = {
                            "channel": "sms",
                            "from": f"{kind}-{round_}-{person}",
                            "text": words,
                        }
                        response = await client.post("/simulator/messages", json=body)
                        response.raise_for_status()
                        if round_ > 0:
                            timing = response.headers["server-timing"]
                            figures[WALL][kind].append(_gateway_ms(timing))
                            figures[CPU][kind].append(app.state.cpu_ms.pop())
    if profiler is not None:
        profiler.disable()
    return figures


def _gateway_ms(header: str) -> float:
    parts = dict(part.strip().split(";dur=") for part in header.split(","))
    return float(parts["gateway"])


def _count_cpu(app: Any, stand_in: RasaStandIn) -> None:
    """The CPU of each `Conversations.handle` (the span Server-Timing covers), less the
    stand-in's: robust where the clock is not, on a machine others are using too."""
    handle = app.state.conversations.handle
    app.state.cpu_ms = []

    async def counted(inbound: Any) -> Any:
        started, engine = time.process_time(), stand_in.cpu
        try:
            return await handle(inbound)
        finally:
            spent = time.process_time() - started - (stand_in.cpu - engine)
            app.state.cpu_ms.append(spent * 1000)

    app.state.conversations.handle = counted


def _fresh_database() -> str:
    from tests.auxil.services import fresh_postgres_database

    url = fresh_postgres_database(POSTGRES, DATABASE)
    with create_engine(url).begin() as conn:
        conn.execute(text(RASA_EVENTS))
    return url


async def measure(people: int, rounds: int, profile: bool) -> dict[str, Any]:
    """This process's gateway (the tree on sys.path first) over a fresh database."""
    from bot.app import Transports, create_app
    from bot.config import Environment, Settings

    url = _fresh_database()
    stand_in = RasaStandIn(url)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            environment=Environment.TEST, database_url=url, tracker_db_url=url,
            published_dir=Path(folder) / "published", simulator_enabled=True,
        )  # fmt: skip
        transports = Transports(engine_http=httpx.MockTransport(stand_in.handler))
        app = create_app(settings, transports)
        async with app.router.lifespan_context(app):
            _count_cpu(app, stand_in)
            statements = Statements()
            statements.watch(app.state.db.engine, "gateway's store")
            statements.watch(app.state.conversations.trackers.engine, "Rasa's tracker store")
            profiler = cProfile.Profile() if profile else None
            figures = await _converse(app, people, rounds, profiler, statements)
    stand_in.tracker.dispose()
    result: dict[str, Any] = {"figures": figures}
    if profiler is not None:
        result["per_message"] = {
            (kind, name): count / len(figures[WALL][kind])
            for (kind, name), count in statements.counts.items()
        }
        result["profile"] = profiler
    return result


def _summary(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, {len(ms)} messages"


MEASURES = {WALL: "on the clock (Server-Timing)", CPU: "the gateway's CPU"}


def _print(figures: Figures, label: str) -> None:
    for measure_, by_kind in figures.items():
        for kind, ms in by_kind.items():
            print(f"{label}, {MEASURES[measure_]}, {kind}: {_summary(ms)}")


def _print_profile(result: dict[str, Any], top: int) -> None:
    for (kind, name), count in sorted(result["per_message"].items()):
        print(f"  {kind}, {name} per message: {count:.2f}")
    stats = pstats.Stats(result["profile"])
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _measured_elsewhere(tree: Path, people: int, rounds: int) -> Figures:
    """One measurement in a process of its own, of the gateway in `tree`."""
    env = {**os.environ, "BENCH_GATEWAY_TREE": str(tree)}
    command = [sys.executable, __file__, "--json", f"--people={people}", f"--rounds={rounds}"]
    output = subprocess.run(  # noqa: S603 - this script, with our own arguments
        command, env=env, check=True, capture_output=True, text=True
    ).stdout
    figures: Figures = json.loads(output.strip().splitlines()[-1])
    return figures


def against(ref: str, people: int, rounds: int, turns: int) -> None:
    """This tree and revision `ref`, taking turns, in one run; their p50s and the ratios."""
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "tree"
        other.mkdir()
        git = ["git", "-C", str(ROOT), "archive", ref]
        archive = subprocess.run(git, check=True, capture_output=True).stdout  # noqa: S603
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)  # noqa: S603, S607
        mine: Figures = {WALL: {NEW: [], AGREED: []}, CPU: {NEW: [], AGREED: []}}
        theirs: Figures = {WALL: {NEW: [], AGREED: []}, CPU: {NEW: [], AGREED: []}}
        for _ in range(turns):
            for tree, into in ((other, theirs), (ROOT, mine)):
                for measure_, by_kind in _measured_elsewhere(tree, people, rounds).items():
                    for kind, ms in by_kind.items():
                        into[measure_][kind] += ms
    _print(theirs, ref)
    _print(mine, "this tree")
    for measure_, by_kind in mine.items():
        for kind, ms in by_kind.items():
            ratio = statistics.median(ms) / statistics.median(theirs[measure_][kind])
            print(f"the gateway's own work per message (p50), {MEASURES[measure_]}, {kind}: "
                  f"this tree {ratio:.2f}x {ref}'s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--people", type=int, default=4, help="newcomers (and as many who agreed) a round"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="measured rounds, after one to warm up"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile and statement counts")
    parser.add_argument("--top", type=int, default=30, help="functions the profile lists")
    parser.add_argument("--against", metavar="REF", help="also measure git revision REF")
    parser.add_argument("--turns", type=int, default=3, help="measurements of each with --against")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        against(args.against, args.people, args.rounds, args.turns)
        return 0
    result = asyncio.run(measure(args.people, args.rounds, args.profile))
    if args.json:
        print(json.dumps(result["figures"]))
        return 0
    _print(result["figures"], "the gateway's own work per message")
    if args.profile:
        _print_profile(result, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
