"""What every outbound channel provides."""

from __future__ import annotations

from typing import Protocol

from bot.render import Reply

# Addresses of simulated people (simulator, `rahnuma chat`): never sent to a provider.
SIMULATED_PREFIX = "sim:"


class Sender(Protocol):
    """Sends rendered replies to one address on one channel."""

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        """Send in order; returns the provider's message ids where it has them (Telegram)."""
        ...

    async def delete(self, address: str, message_ids: list[int]) -> None:
        """Delete earlier messages where the channel allows it (Telegram: up to 48 hours)."""
        ...
