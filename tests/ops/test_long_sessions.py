"""A conversation's session restarts after RAHNUMA_SESSION_MAX_EVENTS events
(engine/long_sessions.py), run in the engine's own environment with Rasa's own processor,
session start and SQL tracker store (SQLite); only the model's parts (NLU, the policy and
the action server) are stood in for by a turn that sets slots and says one thing.

- The store then loads only the new session: what a turn reads stays short.
- The conversation's state survives: the slots (onboarding, consent, the pending question,
  the kind of help) are carried over, each slot's latest value once. The language is not a
  slot: it comes with every message (its metadata, read by the actions).
- A message sent again with a turn id recorded just before the restart is answered once from
  the record, whether it comes before or after a newer message started the new session
  (engine/turns_once.py carries the last turns' records into the session start).
"""

from __future__ import annotations

import functools
import json
import subprocess
import textwrap
from typing import Any

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA

LIMIT = 60  # events; each turn here writes five, so a session holds about ten turns

SESSIONS = textwrap.dedent(
    """
    import asyncio, json, sys, tempfile
    from types import SimpleNamespace
    sys.path.insert(0, "engine")
    import long_sessions, private_rasa, turns_once
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.data import TrainingType

    mode, limit = sys.argv[1], sys.argv[2]
    slot_events = ActionSessionStart._slot_set_events_from_tracker
    turns_once.answer_each_turn_once()
    if mode != "rasa":
        long_sessions.restart_long_sessions({"RAHNUMA_SESSION_MAX_EVENTS": limit})
    if mode == "no-carry":  # Rasa's own session start: no turn records carried
        ActionSessionStart.run = turns_once._start_session
    if mode == "every-slot-event":  # Rasa's own carrying over: every SlotSet of the session
        ActionSessionStart._slot_set_events_from_tracker = staticmethod(slot_events)

    domain = Domain.load("dialogues/domain")
    store = SQLTrackerStore(domain, dialect="sqlite", db=tempfile.mktemp(suffix=".db"))
    processor = object.__new__(MessageProcessor)
    processor.domain, processor.tracker_store = domain, store
    processor.action_endpoint, processor.nlg = None, None
    processor.model_metadata = SimpleNamespace(training_type=TrainingType.BOTH, model_id="m",
                                               assistant_id="a")

    async def no_slot_mappings(output_channel, tracker):
        return tracker

    async def action(output_channel, tracker):
        # What a rule's action does: moves the state on in slots, says one thing.
        turn = tracker.latest_message.metadata["turn"]
        done = sum(isinstance(e, UserUttered) for e in tracker.events)
        slots = [SlotSet("fallback_streak", float(done))]
        if turn == "t1":
            slots += [SlotSet("onboarding", "done"), SlotSet("consent", True),
                      SlotSet("service_type", "legal_aid"), SlotSet("pending", "location")]
        said = {"custom": {"key": "reply", "turn": turn}}
        await output_channel.send_response(tracker.sender_id, dict(said))  # it pops keys
        for event in [ActionExecuted("action_answer"), *slots, BotUttered(data=said),
                      ActionExecuted("action_listen")]:
            tracker.update(event, domain)

    processor.run_action_extract_slots = no_slot_mappings
    processor._run_prediction_loop = action
    handle = private_rasa._failing_closed(processor.handle_message)

    async def send(turn):
        collector = CollectingOutputChannel()
        parse = {"text": "hi", "intent": {"name": "greet", "confidence": 1.0}, "entities": []}
        message = UserMessage("hi", collector, "p_1", parse_data=parse,
                              metadata={"turn": turn, "language": "ur"})
        await handle(message)
        return [m["custom"]["turn"] for m in collector.messages]

    async def runs(turn):
        full = await store.retrieve_full_tracker("p_1")
        return sum(isinstance(e, UserUttered) and e.metadata.get("turn") == turn
                   for e in full.events)

    async def main():
        out = {"most_loaded": 0, "answers": [], "resent": {}}
        before = None  # the last turn before a session start
        for number in range(1, 41):
            turn = f"t{number}"
            out["answers"].append(await send(turn))
            loaded = await store.retrieve("p_1")
            out["most_loaded"] = max(out["most_loaded"], len(loaded.events))
            over = long_sessions.events_in_session(loaded) > int(limit)
            if over and before is None:
                before = turn
                # Sent again while the session is over the limit: from the record, saved
                # not at all (the session start it made in memory goes too).
                out["resent"]["at_the_limit"] = await send(turn)
                out["saved_nothing"] = len((await store.retrieve("p_1")).events) == len(
                    loaded.events)
            if before and number == int(before[1:]) + 1:
                # A newer message started the new session; now the older one comes again.
                out["resent"]["after_the_restart"] = await send(before)
                out["resent"]["restart_itself"] = await send(turn)
        full = await store.retrieve_full_tracker("p_1")
        loaded = await store.retrieve("p_1")
        start = []
        for event in list(loaded.events):
            if isinstance(event, SlotSet):
                start.append(event.key)
            if isinstance(event, UserUttered):
                break
        out["before"] = before
        out["sessions"] = sum(isinstance(e, SessionStarted) for e in full.events)
        out["runs_of_before"] = await runs(before) if before else None
        out["loaded"] = len(loaded.events)
        out["first_loaded"] = type(loaded.events[0]).__name__
        out["slots"] = {k: loaded.get_slot(k) for k in
                        ("onboarding", "consent", "service_type", "pending")}
        out["language"] = (loaded.get_slot("session_started_metadata") or {}).get("language")
        out["slots_at_start"] = len(start)
        out["distinct_slots_at_start"] = len(set(start))
        print(json.dumps(out))

    asyncio.run(main())
    """
)


@functools.cache
def _conversation(mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", SESSIONS, mode, str(LIMIT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_long_conversation_restarts_its_session_and_keeps_its_state() -> None:
    out = _conversation("ours")
    assert out["answers"] == [[f"t{n}"] for n in range(1, 41)]  # each new turn ran once
    assert out["sessions"] >= 3  # 40 turns of five events, past 60 events more than twice
    # What a turn loads stays short: the limit, one turn, a session start's few events.
    assert out["most_loaded"] <= LIMIT + 5 + 20
    assert out["first_loaded"] in ("ActionExecuted", "SessionStarted")
    assert out["slots"] == {"onboarding": "done", "consent": True,
                            "service_type": "legal_aid", "pending": "location"}  # fmt: skip
    assert out["language"] == "ur"
    # Each slot's latest value once, however many times it was set and carried over.
    assert out["slots_at_start"] == out["distinct_slots_at_start"] <= 14


def test_a_turn_recorded_just_before_the_restart_is_answered_once() -> None:
    out = _conversation("ours")
    before = out["before"]
    assert before
    next_turn = f"t{int(before[1:]) + 1}"
    assert out["resent"] == {
        "at_the_limit": [before],
        "after_the_restart": [before],
        "restart_itself": [next_turn],
    }
    assert out["saved_nothing"]
    assert out["runs_of_before"] == 1


def test_without_the_restart_rasa_loads_the_whole_conversation() -> None:
    """Why the repair exists: Rasa alone keeps one session, and each turn loads all of it."""
    out = _conversation("rasa")
    assert out["sessions"] == 1
    assert out["most_loaded"] > 40 * 5


def test_without_the_carried_records_a_turn_sent_again_after_the_restart_runs_twice() -> None:
    """Why the session start carries the last turns' records: the store loads only the new
    session, so the older message would be taken for a new one."""
    out = _conversation("no-carry")
    assert out["runs_of_before"] == 2


def test_rasas_own_carrying_over_would_fill_each_session_start_with_copies() -> None:
    """Why a session starts with each slot's latest SlotSet only: Rasa's copies every SlotSet
    of the session, its own copies included, so they pile up from one session to the next."""
    out = _conversation("every-slot-event")
    assert out["slots_at_start"] > 2 * out["distinct_slots_at_start"]


LIMITS = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, "engine")
    from long_sessions import max_events_from

    for value in (None, "", "80", "0", "-1", "lots"):
        try:
            print(repr(value), max_events_from({} if value is None else
                                               {"RAHNUMA_SESSION_MAX_EVENTS": value}))
        except ValueError as error:
            print(repr(value), "refused:", error)
    """
)


def test_the_limit_comes_from_the_environment_and_a_wrong_one_stops_the_start() -> None:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", LIMITS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines() == [
        "None 200",
        "'' 200",
        "'80' 80",
        "'0' 0",  # off
        "'-1' refused: RAHNUMA_SESSION_MAX_EVENTS must be 0 (off) or more",
        "'lots' refused: RAHNUMA_SESSION_MAX_EVENTS must be a whole number of events (0: off)",
    ]
