"""A conversation's session also restarts once it holds more than a few hundred events, so
that what a turn loads stays short however long the conversation is (issue 19).

Rasa 3.6's SQL tracker store reads every event since the session started on every turn (and
counts them again to save the turn), the RulePolicy computes states over the whole tracker,
and every custom action call carries all of them: a message after 1,000 turns in one session
took 21 times as long as one after 10 (docs/benchmarks.md, "Growth"). Rasa starts a new
session only after `session_expiration_time` (60 minutes) without a message. Here its check
(`MessageProcessor._has_session_expired`) also says yes when the current session holds more
than RAHNUMA_SESSION_MAX_EVENTS events, and Rasa does what it does after an hour:
`action_session_start`, SessionStarted, the slots carried over, `action_listen`. The tracker
store reads from the latest SessionStarted on, so the next turns load only the new session.

Nothing needs the earlier events: each rule maps one intent to one action, the actions keep
the conversation's state in slots (carried over), and erasure, consent scrubbing, retention
and key rotation work on every row of a person, whichever session. engine/turns_once.py,
which finds a message sent again among the session's events, carries the last turns'
records into the new session. Only a domain that carries slots over is restarted by size: in
any other, a restart would forget where the conversation is.

Rasa carries over every SlotSet event of the session, not the slots' values: each session
would start with all the previous one's slot events, its own copies included, so that with
restarts every few hundred events the copies would soon fill the session themselves. Here
a session starts with each slot's latest SlotSet only: the same values.

Why 200 by default: a turn after onboarding writes about 8.5 events and a session start
about 16, so a session holds about 20 turns. The longest session the engine loads is then
that of a 20-turn conversation (1.1-1.2 times the time per message of a 10-turn one under
`make bench-targets`), and on average, over a long conversation, that of a 10-turn one; a
session start every 20 turns adds under a tenth to the rows written. A lower limit would
start sessions more often for little: the time per message grows by 0.1-0.2 ms per
event loaded. 0 turns the restart by size off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from rasa.core.actions.action import ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger("rahnuma.engine")

VARIABLE = "RAHNUMA_SESSION_MAX_EVENTS"
DEFAULT_MAX_EVENTS = 200

_most_events = DEFAULT_MAX_EVENTS  # set from the environment by restart_long_sessions()


def max_events_from(environ: Mapping[str, str]) -> int:
    """The limit the environment sets (0: no restart by size); a wrong value stops the start."""
    raw = (environ.get(VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_MAX_EVENTS
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{VARIABLE} must be a whole number of events (0: off)") from None
    if value < 0:
        raise ValueError(f"{VARIABLE} must be 0 (off) or more")
    return value


def events_in_session(tracker: DialogueStateTracker) -> int:
    """Events since the latest session start (the tracker may hold earlier sessions too)."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += 1
    return count


_has_session_expired = MessageProcessor._has_session_expired


def _expired_or_long(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    if _has_session_expired(self, tracker):
        return True
    sessions = self.domain.session_config
    if not _most_events or not sessions.carry_over_slots or not sessions.are_sessions_enabled():
        return False
    # A paused conversation (a handoff) stays paused: a session start would resume it.
    if tracker.is_paused() or events_in_session(tracker) <= _most_events:
        return False
    log.debug("a conversation's session restarts: more than %d events", _most_events)
    return True


def latest_slot_events(tracker: DialogueStateTracker) -> list[SlotSet]:
    """Each slot's latest SlotSet of the session, in the order they were last set."""
    latest: dict[str, SlotSet] = {}
    for event in tracker.applied_events():
        if isinstance(event, SlotSet):
            latest.pop(event.key, None)  # so that the order is that of the last setting
            latest[event.key] = event
    return [SlotSet(key=e.key, value=e.value, metadata=e.metadata) for e in latest.values()]


def restart_long_sessions(environ: Mapping[str, str] | None = None) -> None:
    global _most_events
    _most_events = max_events_from(os.environ if environ is None else environ)
    MessageProcessor._has_session_expired = _expired_or_long  # type: ignore[method-assign]
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(latest_slot_events)  # type: ignore[method-assign,assignment]
