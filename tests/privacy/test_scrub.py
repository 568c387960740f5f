"""Before consent, and after a "no", nothing a person wrote outlives the turn (DESIGN.md
decision 10): the tracker keeps the conversation's shape, not their words. On SQLite and
PostgreSQL, as Rasa stores events."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from bot.privacy.erasure import TrackerStore
from bot.store import Database

PERSON, OTHER = "p_scrubbed", "p_other"


def _add(trackers: TrackerStore, sender: str, type_name: str, data: dict[str, Any]) -> None:
    with trackers.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, 1, :d)"
            ),
            {"s": sender, "t": type_name, "d": json.dumps(data)},
        )


def _said(words: str) -> dict[str, Any]:
    place = {"entity": "location", "value": "Kasur", "text": "kasur", "start": 0, "end": 5}
    parsed = {"text": words, "intent": {"name": "find_service"}, "entities": [place]}
    return {"event": "user", "text": words, "parse_data": parsed}


def _events(trackers: TrackerStore, sender: str) -> list[dict[str, Any]]:
    with trackers.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        )
        return [json.loads(data) for (data,) in rows]


def test_words_entities_and_earlier_places_go_the_shape_stays(
    database: Database, trackers: TrackerStore
) -> None:
    for sender in (PERSON, OTHER):
        _add(trackers, sender, "user", _said("a shelter in kasur please"))
        _add(trackers, sender, "slot", {"event": "slot", "name": "location", "value": "kasur"})
        _add(trackers, sender, "slot", {"event": "slot", "name": "location", "value": "Kasur"})
        _add(trackers, sender, "slot", {"event": "slot", "name": "pending", "value": "place"})
        _add(trackers, sender, "user", _said("zarmina needs help"))

    assert trackers.scrub_text(PERSON) == 3  # two messages, the raw place name

    user, raw_place, place, pending, second = _events(trackers, PERSON)
    for said in (user, second):
        assert said["text"] is None and said["parse_data"]["text"] is None
        assert said["parse_data"]["intent"] == {"name": "find_service"}
        assert said["parse_data"]["entities"] == [
            {"entity": "location", "value": None, "start": 0, "end": 5}
        ]
    assert raw_place["value"] is None
    assert place["value"] == "Kasur"  # the canonical name an action set: the dialogue goes on
    assert pending["value"] == "place"
    assert "zarmina" in json.dumps(_events(trackers, OTHER))  # nobody else's

    _add(trackers, PERSON, "user", _said("one more"))
    assert trackers.scrub_text(PERSON) == 1  # only what is new: the rest is already blank
    assert "one more" not in json.dumps(_events(trackers, PERSON))
