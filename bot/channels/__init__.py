"""Channels: how messages arrive and leave. One module per channel; `outbox` is the only
place that sends, so the opt-out check can't be skipped."""

from bot.channels.base import SIMULATED_PREFIX, Sender
from bot.channels.outbox import Outbox, SimulatorMailbox

__all__ = ["SIMULATED_PREFIX", "Outbox", "Sender", "SimulatorMailbox"]
