"""What every outbound channel provides."""

from __future__ import annotations

from typing import Protocol

from bot.wording.render import Reply

# Addresses of simulated people (simulator, `rahnuma chat`): never sent to a provider.
SIMULATED_PREFIX = "sim:"


class ProviderRefusedError(RuntimeError):
    """A provider refused a message. It carries only the provider's error code and the
    HTTP status: their own messages name the phone number (Twilio 21408, 21211, 21608),
    which must never reach a log or a traceback (SAFETY.md rule 20)."""

    def __init__(self, channel: str, code: object, status: object) -> None:
        super().__init__(f"{channel} refused a message: code {code}, status {status}")
        self.code = code
        self.status = status


class Sender(Protocol):
    """Sends rendered replies to one address on one channel."""

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        """Send in order; returns the provider's message ids where it has them (Telegram)."""
        ...

    async def delete(self, address: str, message_ids: list[int]) -> None:
        """Delete earlier messages where the channel allows it (Telegram: up to 48 hours)."""
        ...
