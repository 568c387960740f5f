"""The SQL tracker store's query for the current session, read through an index
(engine/session_query.py), in the engine's own environment on SQLite: the same events in the
same order as Rasa's own query, with and without session starts; the indexes are made at
start and a second start finds them there."""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

from bot.config import ROOT
from bot.ops.stack import PRIVATE_RASA

SAME = textwrap.dedent(
    """
    import asyncio, json, sys, tempfile
    sys.path.insert(0, "engine")
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasas = SQLTrackerStore._event_query
    if sys.argv[1] == "ours":  # imported only here: its indexes join Rasa's table model
        import session_query
        session_query.find_sessions_by_index()
    domain = Domain.load("dialogues/domain")
    db = tempfile.mktemp(suffix=".db")
    store = SQLTrackerStore(domain, dialect="sqlite", db=db)
    clock = iter(range(1000, 2000))

    def at(event):
        event.timestamp = float(next(clock))
        return event

    def turn(n):
        return [at(UserUttered(f"m{n}")), at(SlotSet("pending", f"p{n}")),
                at(ActionExecuted("action_listen"))]

    async def main():
        out = {}
        for sender, sessions in (("none", 0), ("one", 1), ("three", 3)):
            turns = [turn(0)]
            for s in range(sessions):
                turns.append([at(ActionExecuted("action_session_start")), at(SessionStarted()),
                              at(ActionExecuted("action_listen")), *turn(s + 1)])
            for events in turns:  # turn by turn, as the engine does: load, add, save
                tracker = await store.retrieve(sender)
                tracker = tracker or DialogueStateTracker.from_events(sender, [])
                for event in events:
                    tracker.update(event)
                await store.save(tracker)
            with store.session_scope() as session:
                for whole in (False, True):
                    ours = [e.id for e in store._event_query(session, sender, whole).all()]
                    theirs = [e.id for e in rasas(store, session, sender, whole).all()]
                    out[f"{sender} {whole}"] = [ours == theirs, len(ours),
                                                store._event_query(session, sender, whole).count()]
            out[f"{sender} loaded"] = len((await store.retrieve(sender)).events)
        again = SQLTrackerStore(domain, dialect="sqlite", db=db)  # a second start: no error
        with again.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
            out["indexes"] = sorted(name for (name,) in rows if name.startswith("ix_events"))
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def _run(mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", SAME, mode], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_session_is_read_through_an_index_with_rasas_own_result() -> None:
    out = _run("ours")
    assert out["none False"] == [True, 3, 3]  # no session start: every event
    # From the latest session start on (the action_session_start here is timed before it).
    assert out["one False"] == [True, 5, 5]
    assert out["three False"] == [True, 5, 5]
    assert out["three True"] == [True, 21, 21]  # all sessions: Rasa's own query
    assert out["three loaded"] == 5
    assert out["indexes"] == [
        "ix_events_sender_id",
        "ix_events_sender_time",
        "ix_events_sender_type_time",
    ]


def test_rasa_alone_has_only_the_sender_index() -> None:
    """Why the repair makes indexes: Rasa's table has none on the time."""
    assert _run("rasa")["indexes"] == ["ix_events_sender_id"]
