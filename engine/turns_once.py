"""A message the engine already answered is answered again from the record, never run twice.

The gateway gives each message a turn id (`metadata["turn"]`) that stays the same when it
sends the message again: after its request timed out while the engine went on answering
(a slow turn while PostgreSQL restarts), or when a kept message is answered after an
outage. Run twice, the turn would move the conversation on twice: "I need a lawyer" then
answers the district question it has just asked. Here, inside Rasa's lock for the person,
a message whose turn id the conversation already holds is not run: the replies recorded
after it are sent instead, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

TURN = "turn"  # the metadata key bot/dialogue_engine.py sets


class TurnAlreadyAnsweredError(Exception):
    """The message's turn is in the conversation already; `replies` are what it got."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__("turn already answered")
        self.replies = replies


def recorded_replies(tracker: DialogueStateTracker, turn: str) -> list[dict[str, Any]] | None:
    """What the bot said after the message with this turn id, or None when there is none."""
    replies: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break  # the next message: its replies are not this turn's
            if (event.metadata or {}).get(TURN) == turn:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            data = event.data or {}
            replies.append(
                CollectingOutputChannel._message(
                    tracker.sender_id,
                    text=event.text,
                    image=data.get("image"),
                    buttons=data.get("buttons"),
                    attachment=data.get("attachment"),
                    custom=data.get("custom"),
                )
            )
    return replies


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
