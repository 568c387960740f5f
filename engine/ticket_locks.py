"""Rasa's Redis lock store, made safe for more than one engine replica.

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket queue as one JSON value and
changes it by reading, changing and writing it back in three separate calls. Two replicas
issuing a ticket at the same moment both read the same queue, both take the same number
and both write: two turns of one person then run at once, and the SQL tracker store keeps
only the events of whichever saved first (a message lost from the conversation; seen as
`test_one_survivors_concurrent_messages_are_answered_in_order` failing now and then).
A replica ending its turn can likewise delete a queue that another just joined.

Here every change of a queue is one Redis transaction (WATCH, then MULTI/EXEC, retried
when another replica changed the queue in between): Rasa's own ticket logic, applied
atomically. The waiting loop, lifetimes and key names stay Rasa's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

T = TypeVar("T")
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


def _atomically(store: RedisLockStore, conversation_id: str, change: Change[T]) -> T:
    """Apply `change` to the conversation's queue as one transaction. `change` gets the
    queue (None when there is none) and returns the queue to keep (None: delete it) and
    its result."""
    key = store.key_prefix + conversation_id
    result: list[T] = []

    def attempt(pipe: Any) -> None:
        raw = pipe.get(key)
        lock = TicketLock.from_dict(json.loads(raw)) if raw else None
        kept, outcome = change(lock)
        pipe.multi()
        if kept is None:
            pipe.delete(key)
        else:
            pipe.set(key, kept.dumps())
        result[:] = [outcome]

    store.red.transaction(attempt, key)  # retries `attempt` when the key changed meanwhile
    return result[0]


def issue_ticket(
    self: RedisLockStore, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
) -> int:
    def take(lock: TicketLock | None) -> tuple[TicketLock, int]:
        lock = lock or TicketLock(conversation_id)
        return lock, lock.issue_ticket(lock_lifetime)

    try:
        return _atomically(self, conversation_id, take)
    except Exception as error:  # Rasa's own contract: a lock problem is a LockError
        raise LockError(f"Error while acquiring lock: {type(error).__name__}") from None


def cleanup(self: RedisLockStore, conversation_id: str, ticket_number: int) -> None:
    """Rasa's finish_serving and cleanup as one step: the ticket leaves the queue, and the
    queue goes only when nobody else is in it."""

    def leave(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
        if lock is None:
            return None, None
        lock.remove_ticket_for(ticket_number)
        return (lock if lock.is_someone_waiting() else None), None

    _atomically(self, conversation_id, leave)


def update_lock(self: RedisLockStore, conversation_id: str) -> None:
    def expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
        if lock is not None:
            lock.remove_expired_tickets()
        return lock, None

    _atomically(self, conversation_id, expire)


def make_atomic() -> None:
    RedisLockStore.issue_ticket = issue_ticket  # type: ignore[method-assign]
    RedisLockStore.cleanup = cleanup  # type: ignore[method-assign]
    RedisLockStore.update_lock = update_lock  # type: ignore[method-assign]
