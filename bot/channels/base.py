"""What every channel provides: the inbound message it hands on, and the way out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.wording.render import Channel, Reply

# Addresses of simulated people (simulator, `rahnuma chat`): their own pseudonyms, and their
# replies go to the simulated channel, never to a provider.
SIMULATED_PREFIX = "sim:"


@dataclass(frozen=True)
class Inbound:
    """A message as a channel received it. `address` is a phone number or chat id; `text`
    is None for what can't be read (a photo, a voice note, a location)."""

    channel: Channel
    address: str
    text: str | None
    message_id: int | None = None  # Telegram's id, kept 48 hours so EXIT can delete it
    # The same each time this message is answered again (a gateway died mid-turn): the
    # engine then answers it from its record instead of running the turn twice.
    turn: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What one inbound message led to, ready to deliver."""

    pseudonym: str
    channel: str
    address: str
    replies: list[Reply] = field(default_factory=list)
    # Allowed after STOP: its confirmation, and answers to HELP or to a plea in danger.
    confirms_opt_out: bool = False


class Receiver(Protocol):
    """Where channels hand inbound messages: the survivor pipeline (`Conversations`)."""

    async def handle(self, inbound: Inbound) -> Outcome:
        """What the person should get back, not yet delivered (the simulator shows it)."""
        ...


class Intake(Protocol):
    """Where the webhooks put what providers send: written first, then answered
    (`bot/conversation/answering.py`)."""

    def receive(self, inbound: Inbound, provider_id: str) -> str | None:
        """Write the message; the person's pseudonym, or None for a provider's retry.
        Raises when it could not be written: the provider must be told to send it again."""
        ...

    async def answer_waiting(self, pseudonym: str) -> int:
        """Answer the person's waiting messages in order; never raises (no caller to tell)."""
        ...


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
