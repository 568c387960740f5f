"""Start Rasa with the person's words kept out of its logs (SAFETY.md rule 20), and with
a turn that could not reach the tracker store failed instead of answered from nothing.

Rasa 3.6 logs the whole message when a request fails or is cancelled
(`rest.message.received.timeout text=...`, `rest.message.received.failure`), and
structured debug events carry texts, slots and entities. Rasa Open Source passes every
log event through `rasa.utils.log_utils._anonymizer`, which is a no-op without Rasa
Pro's plugin; this launcher puts a processor in its place that blanks those keys, then
runs Rasa's own command line unchanged: `python engine/private_rasa.py run ...`.

Rasa also wraps its tracker store in a `FailSafeTrackerStore`: when PostgreSQL is away
(a restart, a failover) it reads the person's conversation as empty and saves the turn in
memory only, so the person is answered as if they had never written (a greeting in the
middle of a conversation) and the turn is lost; its log line carries the database error,
whose statement parameters are the person's words. And the REST channel answers 200 with
whatever was said before a failure. Here a tracker store error fails the turn: the
channel answers with one `{"custom": {"failed": true}}` item, which the gateway treats as
the engine being unavailable (the numbers now, the message kept and answered later).

Two more repairs for more than one replica and for messages sent again: the Redis lock
store's ticket queue changes atomically (engine/ticket_locks.py), and a message whose turn
the conversation already holds gets its recorded answer instead of a second turn
(engine/turns_once.py). The action server's replies are checked by a validator built once
(engine/action_replies.py), and a model is loaded without tracing its training step
(engine/inference_load.py). A conversation's session restarts after a few hundred events, so
that a long conversation's turns load no more than a short one's (engine/long_sessions.py),
and the tracker store finds the session's events through an index (engine/session_query.py).
A new model (`PUT /model`, when editors publish or the learner retrains) loads in a thread
beside the serving one, which answers until it takes over (engine/model_swap.py).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.rest as rest
import rasa.utils.log_utils as log_utils
from action_replies import validate_once
from inference_load import load_for_inference
from long_sessions import restart_long_sessions
from model_swap import load_beside_serving
from rasa.__main__ import main as rasa_main
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
from session_query import find_sessions_by_index
from ticket_locks import make_atomic
from turns_once import TurnAlreadyAnsweredError, answer_each_turn_once

log = logging.getLogger("rahnuma.engine")
FAILED = {"failed": True}  # the gateway's bot/dialogue_engine.py reads this

# The keys Rasa itself lists as holding what people wrote (log_utils._anonymizer).
PRIVATE_KEYS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text",
        "parse_data_entities", "prediction_events", "tracker_latest_message",
        "prefilled_slots", "message", "response", "slot_candidates", "rasa_event",
        "rasa_events", "tracker_states", "current_states", "old_states", "successes",
        "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
        "json_message",
    }
)  # fmt: skip
REMOVED = "[removed]"


def drop_private_values(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in PRIVATE_KEYS & event_dict.keys():
        event_dict[key] = REMOVED
    return event_dict


class TrackerStoreUnavailableError(RuntimeError):
    """The tracker store could not be read or written (no database text attached)."""


async def _store_failing_closed(self: FailSafeTrackerStore, method: str, *args: Any) -> Any:
    try:
        return await getattr(self._tracker_store, method)(*args)
    except Exception as error:
        log.error("tracker store %s failed: %s", method, type(error).__name__)
        raise TrackerStoreUnavailableError from None


async def _retrieve(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await _store_failing_closed(self, "retrieve", sender_id)


async def _retrieve_full(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await _store_failing_closed(self, "retrieve_full_tracker", sender_id)


async def _save(self: FailSafeTrackerStore, tracker: Any) -> None:
    await _store_failing_closed(self, "save", tracker)


OnMessage = Callable[[UserMessage], Awaitable[Any]]


def _failing_closed(on_new_message: OnMessage) -> OnMessage:
    """A turn that raised says so instead of passing on what was said before the error
    (and without the traceback Rasa's channel would log)."""

    @functools.wraps(on_new_message)
    async def handle(message: UserMessage) -> Any:
        collected = getattr(message.output_channel, "messages", None)
        try:
            return await on_new_message(message)
        except TurnAlreadyAnsweredError as answered:
            if isinstance(collected, list):
                collected[:] = answered.replies
            return None
        except Exception as error:
            log.error("a turn failed: %s", type(error).__name__)
            if isinstance(collected, list):
                collected[:] = [{"recipient_id": message.sender_id, "custom": FAILED}]
            return None

    return handle


def fail_closed() -> None:
    FailSafeTrackerStore.retrieve = _retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full  # type: ignore[method-assign]
    FailSafeTrackerStore.save = _save  # type: ignore[method-assign]
    blueprint = rest.RestInput.blueprint

    def failing_blueprint(self: rest.RestInput, on_new_message: OnMessage) -> Any:
        return blueprint(self, _failing_closed(on_new_message))

    rest.RestInput.blueprint = failing_blueprint  # type: ignore[method-assign]


def main() -> None:
    log_utils._anonymizer = drop_private_values  # read when Rasa configures its logging
    fail_closed()
    make_atomic()
    answer_each_turn_once()
    validate_once()
    load_for_inference()
    restart_long_sessions()
    find_sessions_by_index()
    load_beside_serving()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
