"""The simulated channel: talk to the bot as a survivor would (development and `rahnuma
chat`), and see exactly what SMS or Telegram would send.

A turn's replies come back in the HTTP response; what is sent later (after an outage, by a
support worker) goes through the Outbox to `SimulatedChannel`, a recording transport, and
waits in its mailbox.
"""

from __future__ import annotations

import time
from typing import Literal, TypeVar

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field, field_validator

from bot.channels.base import SIMULATED_PREFIX, Inbound, Receiver
from bot.dialogue_engine import waited_for_engine
from bot.wording.render import Channel, Reply

MAX_TEXT_LENGTH = 4096  # Telegram's own limit; an SMS is far shorter
# The mailbox is a development tool in memory, not a store: replies nobody fetched would
# otherwise pile up for as long as the gateway runs (review F19l). The newest are kept.
MAILBOXES_KEPT = 1000  # addresses; the one written to longest ago goes first
REPLIES_KEPT = 100  # per address

T = TypeVar("T")


class SimulatedChannel:
    """A `Sender` that records: replies wait in a mailbox per address; deletions are kept.

    Both are bounded: MAILBOXES_KEPT addresses, REPLIES_KEPT entries each.
    """

    def __init__(self) -> None:
        self._boxes: dict[str, list[Reply]] = {}
        self.deleted: dict[str, list[int]] = {}

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        _keep(self._boxes, address, replies)
        return []  # no message ids: nothing to delete later

    async def delete(self, address: str, message_ids: list[int]) -> None:
        _keep(self.deleted, address, message_ids)

    def take(self, address: str) -> list[Reply]:
        return self._boxes.pop(address, [])

    def size(self) -> tuple[int, int]:
        """How many addresses, and how many entries in all, are held now."""
        entries = sum(map(len, self._boxes.values())) + sum(map(len, self.deleted.values()))
        return len(self._boxes) + len(self.deleted), entries


def _keep(boxes: dict[str, list[T]], address: str, new: list[T]) -> None:
    """Add to an address's box, newest last, within the bounds."""
    box = boxes.pop(address, [])  # back in at the end: the most recently written
    box.extend(new)
    boxes[address] = box[-REPLIES_KEPT:]
    while len(boxes) > MAILBOXES_KEPT:
        del boxes[next(iter(boxes))]


PREVIEW_SENDER = "preview:"  # SIMULATED_PREFIX + this: bot/conversation/service.py


class SimulatorMessage(BaseModel):
    channel: Literal["sms", "telegram"]
    sender: str = Field(alias="from", min_length=1, max_length=64)
    text: str = Field(max_length=MAX_TEXT_LENGTH)

    @field_validator("sender")
    @classmethod
    def _not_a_preview(cls, sender: str) -> str:
        """Editors' previews have addresses of their own (bot/console/preview_page.py)."""
        if sender.startswith(PREVIEW_SENDER):
            raise ValueError("this sender is kept for editors' previews")
        return sender


class SimulatorReply(BaseModel):
    text: str
    options: list[str]
    segments: int
    encoding: str


class SimulatorResponse(BaseModel):
    replies: list[SimulatorReply]

    @classmethod
    def of(cls, replies: list[Reply]) -> SimulatorResponse:
        return cls(replies=[SimulatorReply.model_validate(r.as_json()) for r in replies])


router = APIRouter(prefix="/simulator")


def _enabled(request: Request) -> None:
    if not request.app.state.settings.simulator_enabled:
        raise HTTPException(status_code=404)


@router.post("/messages", response_model=SimulatorResponse)
async def simulate(message: SimulatorMessage, request: Request, response: Response) -> object:
    """One message from a simulated person, answered with what that channel would send.

    Server-Timing says how long the gateway worked on it and how long it waited for the
    engine (the simulator is off in production, so no one outside sees it).
    """
    _enabled(request)
    receiver: Receiver = request.app.state.conversations
    started = time.perf_counter()
    waited_for_engine.set(0.0)
    inbound = Inbound(Channel(message.channel), SIMULATED_PREFIX + message.sender, message.text)
    outcome = await receiver.handle(inbound)
    engine_ms = waited_for_engine.get() * 1000
    gateway_ms = (time.perf_counter() - started) * 1000 - engine_ms
    response.headers["Server-Timing"] = f"gateway;dur={gateway_ms:.2f}, engine;dur={engine_ms:.2f}"
    return SimulatorResponse.of(outcome.replies)


@router.get("/messages/{sender}", response_model=SimulatorResponse)
async def simulator_mailbox(sender: str, request: Request) -> object:
    """Replies sent to a simulated person later (after an outage, or by staff)."""
    _enabled(request)
    simulated: SimulatedChannel = request.app.state.simulated
    return SimulatorResponse.of(simulated.take(SIMULATED_PREFIX + sender))
