"""One message at a time per person, across the bot and the staff console.

Replies keep the order of the messages, and a worker closing a ticket can't race the
person's next message to the engine.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class PersonLocks:
    def __init__(self) -> None:
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def __call__(self, pseudonym: str) -> asyncio.Lock:
        return self._locks[pseudonym]
