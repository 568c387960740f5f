"""Logging that keeps survivors' data out: our code logs keys and counts, never text or
addresses, and third-party clients that log URLs or payloads are held to warnings."""

from __future__ import annotations

import logging

# httpx logs request URLs (Telegram's carry the bot token); twilio logs request parameters.
QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "twilio",
    "urllib3",
    "hpack",
    "asyncio",
    "alembic",
)


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_third_parties()


def quiet_third_parties() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
