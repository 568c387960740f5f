"""Channels: how messages arrive and leave. One module per channel, each with its webhook;
`outbox` is the only place that sends, so the opt-out check can't be skipped."""

from bot.channels.base import SIMULATED_PREFIX, Inbound, Intake, Outcome, Receiver, Sender
from bot.channels.outbox import Outbox
from bot.channels.simulator import SimulatedChannel

__all__ = ["SIMULATED_PREFIX", "Inbound", "Intake", "Outbox", "Outcome", "Receiver", "Sender",
           "SimulatedChannel"]  # fmt: skip
