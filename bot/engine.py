"""Client of the dialogue engine: Rasa's REST channel and HTTP API (DESIGN.md decision 3)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.messages import BotMessage

log = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """The engine is down, too slow, or answered something we can't use."""


class Engine:
    def __init__(
        self, base_url: str, token: str, timeout: float, client: httpx.AsyncClient
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client = client

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Send one message as `sender` (a pseudonym) and return what the engine wants said."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            response = await self._client.post(
                f"{self.base_url}/webhooks/rest/webhook", json=body, timeout=self.timeout
            )
            response.raise_for_status()
            items = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineError(f"engine request failed: {type(exc).__name__}") from exc
        if not isinstance(items, list):
            raise EngineError("engine answered something that is not a list")
        messages = []
        for item in items:
            if not isinstance(item, dict) or "custom" not in item:
                # Plain text from Rasa would bypass the catalogs: a content bug, never sent.
                log.error("engine sent a message without a message key; dropped")
                continue
            try:
                messages.append(BotMessage.from_payload(item["custom"]))
            except ValueError as exc:
                raise EngineError(f"engine sent a malformed message: {exc}") from exc
        return messages

    async def resume(self, sender: str) -> None:
        """Hand the conversation back to the bot after a handoff (DESIGN.md decision 6).

        `resume` alone would make Rasa predict again from the paused state; the
        `action_listen` makes it wait for the person's next message instead.
        """
        events = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        try:
            response = await self._client.post(
                f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker/events",
                params={"token": self.token},
                json=events,
                timeout=self.timeout,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise EngineError(f"engine could not resume: {type(exc).__name__}") from exc

    async def is_healthy(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
