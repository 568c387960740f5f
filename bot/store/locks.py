"""One message at a time per person, across the bot and the staff console.

Replies keep the order of the messages, and a worker closing a ticket can't race the
person's next message to the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _PersonLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holding it or waiting for it


class PersonLocks:
    """`async with locks(pseudonym):` one at a time per person.

    A person's lock exists only while someone holds it or waits for it: kept for everyone
    who ever wrote, the map would grow for as long as the gateway runs, and hold pseudonyms
    in memory after DELETE (review F19l).
    """

    def __init__(self) -> None:
        self._locks: dict[str, _PersonLock] = {}

    @asynccontextmanager
    async def __call__(self, pseudonym: str) -> AsyncIterator[None]:
        # No await between finding the entry and counting ourselves in: no task can drop it.
        entry = self._locks.get(pseudonym)
        if entry is None:
            entry = self._locks[pseudonym] = _PersonLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[pseudonym]

    def in_use(self) -> int:
        """How many people have a lock now (held or awaited)."""
        return len(self._locks)
