"""Client of the dialogue engine: Rasa's REST channel and HTTP API (DESIGN.md decision 3).

Beyond one machine there are several Rasa replicas sharing one SQL tracker store and one
Redis lock store (DESIGN.md decision 7). Each person has a home replica (a hash of the
pseudonym), so people spread over the replicas; when it can't be reached the message goes
to the next one. Rasa's lock store keeps one person's messages in order whichever replica
takes them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.wording.messages import BotMessage

log = logging.getLogger(__name__)

# Seconds the current request has waited for the engine: the simulator's Server-Timing header
# tells the gateway's own work apart from the engine's (make bench, docs/benchmarks.md).
waited_for_engine: ContextVar[float] = ContextVar("waited_for_engine", default=0.0)


class EngineError(RuntimeError):
    """The engine is down, too slow, or answered something we can't use."""


class _UnreachableError(Exception):
    """This replica surely didn't take the message: another may."""


@dataclass
class Replica:
    url: str
    answered: int = 0  # messages this replica answered since the gateway started
    failures: int = 0


class DialogueEngine:
    def __init__(
        self, base_urls: str | list[str], token: str, timeout: float, client: httpx.AsyncClient
    ) -> None:
        urls = base_urls.split(",") if isinstance(base_urls, str) else base_urls
        self.replicas = [Replica(url.strip().rstrip("/")) for url in urls if url.strip()]
        if not self.replicas:
            raise ValueError("no engine URL given")
        self.token = token
        self.timeout = timeout
        self._client = client

    def _in_turn(self, sender: str) -> list[Replica]:
        """The person's home replica first, then the others."""
        home = int(hashlib.sha256(sender.encode()).hexdigest(), 16) % len(self.replicas)
        return self.replicas[home:] + self.replicas[:home]

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Send one message as `sender` (a pseudonym) and return what the engine wants said."""
        body = {"sender": sender, "message": text, "metadata": metadata}
        for replica in self._in_turn(sender):
            try:
                items = await self._post(replica, "/webhooks/rest/webhook", body)
            except _UnreachableError:
                continue
            replica.answered += 1
            return _messages(items)
        raise EngineError("no engine replica could be reached")

    async def resume(self, sender: str) -> None:
        """Hand the conversation back to the bot after a handoff (DESIGN.md decision 6).

        `resume` alone would make Rasa predict again from the paused state; the
        `action_listen` makes it wait for the person's next message instead.
        """
        events = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        path = f"/conversations/{quote(sender, safe='')}/tracker/events"
        for replica in self._in_turn(sender):
            try:
                await self._post(replica, path, events, params={"token": self.token})
            except _UnreachableError:
                continue
            return
        raise EngineError("engine could not resume: no replica reachable")

    async def _post(
        self, replica: Replica, path: str, body: object, params: dict[str, str] | None = None
    ) -> Any:
        started = time.perf_counter()
        try:
            response = await self._client.post(
                replica.url + path, json=body, params=params, timeout=self.timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
            # Not taken (or the process died mid-request): safe to give to another replica.
            replica.failures += 1
            log.warning("engine replica %d unreachable (%s)", self._number(replica),
                        type(exc).__name__)  # fmt: skip
            raise _UnreachableError from exc
        except httpx.HTTPError as exc:
            # Too slow: it may still be answering, so another replica would answer twice.
            raise EngineError(f"engine request failed: {type(exc).__name__}") from exc
        finally:
            waited_for_engine.set(waited_for_engine.get() + time.perf_counter() - started)
        if response.status_code in (502, 503, 504):  # a proxy in front of a dead replica
            replica.failures += 1
            raise _UnreachableError
        try:
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineError(f"engine request failed: {type(exc).__name__}") from exc

    def _number(self, replica: Replica) -> int:
        return self.replicas.index(replica) + 1

    async def health(self) -> dict[str, bool]:
        """Each replica's health, by number (URLs are internal)."""
        status = {}
        for number, replica in enumerate(self.replicas, start=1):
            try:
                response = await self._client.get(f"{replica.url}/", timeout=2.0)
                status[str(number)] = response.status_code == 200
            except httpx.HTTPError:
                status[str(number)] = False
        return status

    async def is_healthy(self) -> bool:
        """True when at least one replica answers."""
        return any((await self.health()).values())


def _messages(items: Any) -> list[BotMessage]:
    if not isinstance(items, list):
        raise EngineError("engine answered something that is not a list")
    messages = []
    for item in items:
        if isinstance(item, dict) and item.get("custom") == {"failed": True}:
            # engine/private_rasa.py: the turn failed (its tracker store was unreachable)
            raise EngineError("the engine could not finish the turn")
        if not isinstance(item, dict) or "custom" not in item:
            # Plain text from Rasa would bypass the catalogs: a content bug, never sent.
            log.error("engine sent a message without a message key; dropped")
            continue
        try:
            messages.append(BotMessage.from_payload(item["custom"]))
        except ValueError as exc:
            raise EngineError(f"engine sent a malformed message: {exc}") from exc
    return messages
