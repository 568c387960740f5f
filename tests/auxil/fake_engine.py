"""A stand-in for Rasa's REST channel at the HTTP transport seam, for gateway unit tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from bot.wording.messages import BotMessage

Reply = Callable[[dict[str, Any]], list[BotMessage] | Exception]


class FakeEngine:
    """Records what the gateway sent; answers with messages a test chooses."""

    def __init__(self, reply: Reply | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.reply: Reply = reply or (lambda body: [BotMessage("menu.main")])
        self.tracker_events: list[tuple[str, list[dict[str, Any]]]] = []  # (sender, events)
        self.down = False  # every request fails as if Rasa were not running

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("engine down", request=request)
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        if request.url.path.startswith("/conversations/") and request.url.path.endswith(
            "/tracker/events"
        ):
            sender = request.url.path.split("/")[2]
            self.tracker_events.append((sender, json.loads(request.content)))
            return httpx.Response(200, json={"sender_id": sender})
        if request.url.path != "/webhooks/rest/webhook":
            return httpx.Response(404)
        body = json.loads(request.content)
        self.received.append(body)
        answer = self.reply(body)
        if isinstance(answer, Exception):
            raise answer
        items = [{"recipient_id": body["sender"], "custom": m.to_payload()} for m in answer]
        return httpx.Response(200, json=items)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))


# The columns of Rasa 3.6's SQLTrackerStore `events` table, as the engine creates it.
RASA_EVENTS_TABLE = (
    "CREATE TABLE events (id {id}, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
    "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def agreeing(engine: FakeEngine) -> FakeEngine:
    """The next answer records a yes to the privacy notice, as the real actions do."""
    default = engine.reply

    def once(body: dict[str, Any]) -> list[BotMessage] | Exception:
        engine.reply = default
        return [BotMessage("consent.given", consent=True)]

    engine.reply = once
    return engine
