"""Start Rasa with the person's words kept out of its logs (SAFETY.md rule 20).

Rasa 3.6 logs the whole message when a request fails or is cancelled
(`rest.message.received.timeout text=...`, `rest.message.received.failure`), and
structured debug events carry texts, slots and entities. Rasa Open Source passes every
log event through `rasa.utils.log_utils._anonymizer`, which is a no-op without Rasa
Pro's plugin; this launcher puts a processor in its place that blanks those keys, then
runs Rasa's own command line unchanged: `python engine/private_rasa.py run ...`.
"""

from __future__ import annotations

import sys
from typing import Any

import rasa.utils.log_utils as log_utils
from rasa.__main__ import main as rasa_main

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


def main() -> None:
    log_utils._anonymizer = drop_private_values  # read when Rasa configures its logging
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
