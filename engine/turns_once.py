"""A message the engine already answered is answered again from the record, never run twice.

The gateway gives each message a turn id (`metadata["turn"]`) that stays the same when it
sends the message again: after its request timed out while the engine went on answering
(a slow turn while PostgreSQL restarts), or when a kept message is answered after an
outage. Run twice, the turn would move the conversation on twice: "I need a lawyer" then
answers the district question it has just asked. Here, inside Rasa's lock for the person,
a message whose turn id the conversation already holds is not run: the replies recorded
after it are sent instead, and nothing is saved.

The tracker store loads only the current session (which restarts after an hour of silence
and after a few hundred events, engine/long_sessions.py), so a session start carries the
records of the last turns before it in its SessionStarted event's metadata: a message sent
again after a newer one started a session is still answered once. Only turns of the last
`session_expiration_time` are carried (a message is sent again within minutes, and the
copies must not outlive the replies they copy by more than that), and only a few.
"""

from __future__ import annotations

import time
from typing import Any

from rasa.core.actions.action import ActionSessionStart
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

TURN = "turn"  # the metadata key bot/dialogue_engine.py sets
CARRIED = "turns_before"  # SessionStarted's metadata: the last turns' records before it
# The gateway sends a message again at its next redelivery round (seconds later), after at
# most a few newer messages of the person went straight through.
TURNS_CARRIED = 5


class TurnAlreadyAnsweredError(Exception):
    """The message's turn is in the conversation already; `replies` are what it got."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__("turn already answered")
        self.replies = replies


def _reply(event: BotUttered) -> dict[str, Any]:
    """What the output channel sent for this event, without its recipient."""
    data = event.data or {}
    message = CollectingOutputChannel._message(
        "",
        text=event.text,
        image=data.get("image"),
        buttons=data.get("buttons"),
        attachment=data.get("attachment"),
        custom=data.get("custom"),
    )
    del message["recipient_id"]
    return message


def _carried(event: SessionStarted) -> list[dict[str, Any]]:
    records = (event.metadata or {}).get(CARRIED)
    return records if isinstance(records, list) else []


def turn_records(tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    """Every turn the tracker knows, oldest first: {"turn", "at", "replies"}; those carried
    by its session starts included. A turn's first message counts (never run twice)."""
    records: dict[str, dict[str, Any]] = {}
    current: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            current = None
            for record in _carried(event):
                records.setdefault(str(record.get(TURN)), record)
        elif isinstance(event, UserUttered):
            turn = (event.metadata or {}).get(TURN)
            current = None
            if turn and str(turn) not in records:
                current = []
                records[str(turn)] = {TURN: str(turn), "at": event.timestamp, "replies": current}
        elif isinstance(event, BotUttered) and current is not None:
            current.append(_reply(event))
    return list(records.values())


def recorded_replies(tracker: DialogueStateTracker, turn: str) -> list[dict[str, Any]] | None:
    """What the bot said after the message with this turn id, or None when there is none."""
    for record in turn_records(tracker):
        if record[TURN] == turn:
            recipient = {"recipient_id": tracker.sender_id}
            return [recipient | reply for reply in record.get("replies") or []]
    return None


_start_session = ActionSessionStart.run


async def _start_carrying_turns(
    self: ActionSessionStart,
    output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    domain: Domain,
) -> list[Event]:
    events = await _start_session(self, output_channel, nlg, tracker, domain)
    since = time.time() - domain.session_config.session_expiration_time * 60
    recent = [r for r in turn_records(tracker) if float(r.get("at") or 0) >= since]
    for event in events:
        if isinstance(event, SessionStarted) and recent:
            event.metadata = {**(event.metadata or {}), CARRIED: recent[-TURNS_CARRIED:]}
    return events


_handle_message_with_tracker = MessageProcessor._handle_message_with_tracker


async def _handle_once(
    self: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker
) -> None:
    turn = (message.metadata or {}).get(TURN)
    if turn:
        replies = recorded_replies(tracker, str(turn))
        if replies is not None:
            raise TurnAlreadyAnsweredError(replies)  # before the model runs or anything saves
    await _handle_message_with_tracker(self, message, tracker)


def answer_each_turn_once() -> None:
    MessageProcessor._handle_message_with_tracker = _handle_once  # type: ignore[method-assign]
    ActionSessionStart.run = _start_carrying_turns  # type: ignore[method-assign]
