"""The real engine restarts a conversation's session once it holds more than
RAHNUMA_SESSION_MAX_EVENTS events (engine/long_sessions.py, default 200): a question asked
before the restart is still answered right after it, a message sent again is still answered
once, and the tracker store then hands the engine a short session."""

from __future__ import annotations

import json
import subprocess
import textwrap
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA, Stack
from scripts.bench_growth import ONBOARDING_TURNS, first_choice
from tests.auxil.engine_rest import engine_turn, tracker_events

pytestmark = pytest.mark.e2e

LIMIT = 200  # the engine's default: the stack sets no RAHNUMA_SESSION_MAX_EVENTS
ONBOARDING_ANSWERS = ONBOARDING_TURNS - 1  # after the greeting: the first option of each

# What Rasa's own SQL tracker store loads for a turn: the latest session only.
LOADED = textwrap.dedent(
    """
    import asyncio, json, sys
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.load("dialogues/domain"), dialect="sqlite", db=sys.argv[1])
    tracker = asyncio.run(store.retrieve(sys.argv[2]))
    print(json.dumps([event.type_name for event in tracker.events]))
    """
)


def _filler(events: int) -> list[dict[str, Any]]:
    """Earlier turns that change no slot: a "yes", a reply, listening again (no turn id)."""
    turn = [
        {"event": "user", "text": "ok", "parse_data": {
            "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}},
        {"event": "bot", "data": {"custom": {"key": "info.more"}}},
        {"event": "action", "name": "action_listen"},
    ]  # fmt: skip
    return [dict(event) for _ in range(events // len(turn) + 1) for event in turn]


def _keys(replies: list[dict[str, Any]]) -> list[str]:
    return [str((reply.get("custom") or {}).get("key")) for reply in replies]


def test_a_question_asked_before_the_session_restarts_is_answered_after_it(
    stack: Stack,
) -> None:
    sender = "p_" + uuid.uuid4().hex
    engine, token = stack.engine_urls()[0], stack.settings.rasa_token

    def send(text: str, turn: str) -> list[dict[str, Any]]:
        return engine_turn(engine, sender, text, turn)

    def events() -> list[dict[str, Any]]:
        return tracker_events(engine, token, sender)

    replies = send("hello", "hello")
    for number in range(ONBOARDING_ANSWERS):
        replies = send(first_choice(replies), f"onboarding-{number}")
    lawyer = send("I need a lawyer", "lawyer")
    assert "service.ask_location" in _keys(lawyer)  # the pending question: which place

    # The conversation goes on long enough to pass the limit, without changing a slot.
    response = httpx.post(f"{engine}/conversations/{sender}/tracker/events",
                          params={"token": token, "include_events": "NONE"},
                          json=_filler(LIMIT), timeout=120)  # fmt: skip
    response.raise_for_status()
    assert sum(e["event"] == "session_started" for e in events()) == 1

    place = send("Multan", "place")  # starts the new session, then answers the question
    assert "service.results_near" in _keys(place), _keys(place)
    assert "Multan" in json.dumps(place)
    assert send("I need a lawyer", "lawyer") == lawyer  # sent again: from the record

    every = events()  # every session's events: none was deleted
    assert sum(e["event"] == "session_started" for e in every) == 2
    said = [e["text"] for e in every if e["event"] == "user" and e["text"] != "ok"]
    assert said.count("I need a lawyer") == 1
    assert said[-1] == "Multan"

    database = make_url(stack.settings.tracker_db_url).database
    done = subprocess.run([PRIVATE_RASA[0], "-c", LOADED, str(database), sender], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "session_started" in loaded[:2]
    assert loaded.count("session_started") == 1
    assert "user" in loaded and len(loaded) < 60  # the session start, the slots, one turn
