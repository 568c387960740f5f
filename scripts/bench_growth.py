"""Growth: time per message as a conversation gets longer and as the directory gets bigger.

Earlier turns are written straight into the tracker through Rasa's HTTP API (a real turn's
events, repeated), not chatted one by one; listings straight into the database the action
server reads. Each measurement takes turns between the sizes compared, so that a slow minute
of a shared machine falls on all of them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, delete, func, insert, select, update

from bot.directory.gazetteer import load_gazetteer
from bot.directory.listings import SERVICE_TYPES
from bot.store import ServiceListing

# 20: about the longest session the engine loads (RAHNUMA_SESSION_MAX_EVENTS, 200 events).
TURN_LEVELS = (10, 20, 100, 1000)
LISTING_LEVELS = (100, 10_000)
BATCH_TURNS = 100  # earlier turns per request to the tracker events endpoint
PREFIX = "bench-growth-"  # every listing the bench adds, and removes again
REQUEST = "I need a lawyer in Lahore"  # legal aid in a district: a listing query every time


ONBOARDING_TURNS = 3  # a greeting, then "1" to each question (safe to talk, keep messages)
Send = Callable[[str, str], list[dict[str, Any]]]


def p50_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def first_choice(replies: list[dict[str, Any]]) -> str:
    """The payload of the last question's first option: what "1" sends through the gateway."""
    asked = [r["custom"] for r in replies if (r.get("custom") or {}).get("options")]
    if not asked:
        raise RuntimeError("onboarding asked nothing: " + ", ".join(
            str((r.get("custom") or {}).get("key")) for r in replies))  # fmt: skip
    return str(asked[-1]["options"][0]["payload"])


def onboard(send: Send, sender: str) -> None:
    """Through onboarding straight to Rasa, as a person answering "1" each time would: the
    language, safe to talk, consent. Until then every message only repeats a question."""
    replies = send(sender, "hello")
    for _ in range(ONBOARDING_TURNS - 1):
        replies = send(sender, first_choice(replies))


# -- earlier turns ---------------------------------------------------------------------------


def split_turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A tracker's events cut at each user message: one list per turn, the session start
    (everything before the first message) left out."""
    turns: list[list[dict[str, Any]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        if turns:
            turns[-1].append(event)
    return turns


def replayable(turn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A turn's events, new: no timestamp (they get the time they are written), no message
    or turn id (engine/turns_once.py would take them for a message sent again)."""
    out = []
    for event in turn:
        fresh = {k: v for k, v in event.items() if k not in ("timestamp", "message_id")}
        if fresh.get("event") == "user":
            fresh["metadata"] = {k: v for k, v in (fresh.get("metadata") or {}).items()
                                 if k != "turn"}  # fmt: skip
        out.append(fresh)
    return out


def turn_template(engine: str, token: str, send: Send,
                  script: list[str]) -> list[list[dict[str, Any]]]:  # fmt: skip
    """The events of a real conversation of the script after onboarding, turn by turn,
    ready to be replayed."""
    sender = f"growth-template-{time.monotonic_ns()}"
    onboard(send, sender)
    for words in script:
        send(sender, words)
    tracker = httpx.get(f"{engine}/conversations/rest-{sender}/tracker",
                        params={"token": token, "include_events": "ALL"}, timeout=60)  # fmt: skip
    tracker.raise_for_status()
    turns = [replayable(t) for t in split_turns(tracker.json()["events"])]
    return turns[-len(script) :]


def write_earlier_turns(engine: str, token: str, conversation: str, count: int,
                        template: list[list[dict[str, Any]]]) -> None:  # fmt: skip
    """`count` earlier turns appended to the conversation in batches."""
    cycle = (template[i % len(template)] for i in range(count))
    while batch := [event for _, turn in zip(range(BATCH_TURNS), cycle, strict=False)
                    for event in turn]:  # fmt: skip
        response = httpx.post(f"{engine}/conversations/{conversation}/tracker/events",
                              params={"token": token, "include_events": "NONE"}, json=batch,
                              timeout=300)  # fmt: skip
        response.raise_for_status()


def conversation_growth(engine: str, token: str, send: Send, script: list[str],
                        conversations: int = 4) -> dict[str, Any]:  # fmt: skip
    """Time per message (Rasa alone) after 10, 20, 100 and 1,000 earlier turns: each level's
    conversations get the script's messages in turn with the other levels'.

    The earlier turns arrive in one session, all at once; a conversation that lived them
    would have started a new session every RAHNUMA_SESSION_MAX_EVENTS events
    (engine/long_sessions.py). So the first message after them loads the whole session once
    and starts a new one, as a conversation that grew long before the limit existed does
    once: its time is reported on its own (`first_p50_ms`, one per conversation) beside the
    p50 of all messages (the target's figure) and of the ones after it (`later_p50_ms`)."""
    template = turn_template(engine, token, send, script)
    run = time.monotonic_ns()
    names = {level: [f"growth-{run}-{level}-{n}" for n in range(conversations)]
             for level in TURN_LEVELS}  # fmt: skip
    for level, senders in names.items():
        for sender in senders:
            onboard(send, sender)  # real first turns: the session, the consent
            write_earlier_turns(engine, token, f"rest-{sender}", level - ONBOARDING_TURNS,
                                template)  # fmt: skip
    first: dict[int, list[float]] = {level: [] for level in TURN_LEVELS}
    later: dict[int, list[float]] = {level: [] for level in TURN_LEVELS}
    for index, words in enumerate(script[1:]):
        for number in range(conversations):
            for level in TURN_LEVELS:
                started = time.perf_counter()
                send(names[level][number], words)
                (later if index else first)[level].append(time.perf_counter() - started)
    per_turn = round(statistics.mean(len(t) for t in template), 1)
    return {str(level): {"p50_ms": p50_ms(first[level] + later[level]),
                         "messages": len(first[level]) + len(later[level]),
                         "first_p50_ms": p50_ms(first[level]),
                         "later_p50_ms": p50_ms(later[level]),
                         "events_per_turn": per_turn}
            for level in TURN_LEVELS}  # fmt: skip


# -- listings --------------------------------------------------------------------------------


def listing_rows(count: int, start: int, districts: list[tuple[str, str]],
                 *, status: str) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Verified-looking listings spread over the districts and kinds of help; the first
    three are legal aid in Lahore, so that the measured request always finds some."""
    today, now = date.today(), datetime.now(UTC)
    for number in range(start, start + count):
        district, province = districts[number % len(districts)]
        kind = SERVICE_TYPES[number % len(SERVICE_TYPES)]
        if number < 3:
            district, province, kind = "Lahore", "Punjab", "legal_aid"
        yield {
            "id": f"{PREFIX}{number}", "names": {"en": f"Service {number}",
            "ur": f"سروس {number}", "ur_Latn": f"Service {number}"}, "descriptions": {},
            "service_types": [kind], "scope": "province" if number % 10 == 9 else "district",
            "provinces": [province], "districts": [district], "phones": ["042 1111111"],
            "other_contacts": [], "hours": "9am-5pm", "languages": ["ur"], "women_staff": None,
            "serves": [], "cost": "", "emergency": False, "status": status,
            "verified_by": "bench", "verified_at": now, "next_check_due": today + timedelta(90),
            "source": "bench", "source_date": today, "demo": False, "updated_at": now,
        }  # fmt: skip


class Directory:
    """The bench's listings in the gateway's database: the first up to 100 in all, the
    others switched on and off together (a status the referral query filters on)."""

    def __init__(self, database_url: str, gazetteer_file: Any) -> None:
        self.engine = create_engine(database_url)
        gazetteer = load_gazetteer(gazetteer_file)
        self.districts = [(d.name, d.province) for d in gazetteer.districts.values()]

    def seed(self, small: int, large: int) -> None:
        with self.engine.begin() as conn:
            already = conn.scalar(select(func.count()).select_from(ServiceListing)) or 0
            first = max(small - already, 3)
            rows = [*listing_rows(first, 0, self.districts, status="verified"),
                    *listing_rows(large - already - first, first, self.districts,
                                  status="draft")]  # fmt: skip
            conn.execute(insert(ServiceListing), rows)
        self.first = first

    def large(self, on: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ServiceListing)
                         .where(ServiceListing.id.like(f"{PREFIX}%"),
                                ~ServiceListing.id.in_(self._first_ids()))
                         .values(status="verified" if on else "draft"))  # fmt: skip

    def _first_ids(self) -> list[str]:
        return [f"{PREFIX}{n}" for n in range(self.first)]

    def remove(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ServiceListing).where(ServiceListing.id.like(f"{PREFIX}%")))
        self.engine.dispose()


def directory_growth(directory: Directory, ask: Send,
                     rounds: int = 5, per_round: int = 4) -> dict[str, Any]:  # fmt: skip
    """Time of a service request (Rasa alone, its action reading the directory) with 100
    and with 10,000 listings, the two sizes taking turns."""
    small, large = LISTING_LEVELS
    directory.seed(small, large)
    latencies: dict[int, list[float]] = {small: [], large: []}
    run = time.monotonic_ns()
    try:
        for round_number in range(rounds):
            for level in LISTING_LEVELS:
                directory.large(level == large)
                for n in range(per_round):
                    sender = f"listings-{run}-{round_number}-{level}-{n}"
                    onboard(ask, sender)
                    started = time.perf_counter()
                    ask(sender, REQUEST)
                    latencies[level].append(time.perf_counter() - started)
    finally:
        directory.remove()
    return {str(level): {"p50_ms": p50_ms(seconds), "messages": len(seconds)}
            for level, seconds in latencies.items()}  # fmt: skip
