"""The gateway's background chores: answer messages left behind, and kept messages once the
engine is back; close silent tickets, and purge what is past retention (docs/privacy.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bot.channels.outbox import Outbox
from bot.channels.sms import TwilioSms
from bot.channels.twilio_records import TwilioRecords
from bot.config import Settings
from bot.conversation.answering import Answering
from bot.conversation.service import Conversations
from bot.dialogue_engine import DialogueEngine
from bot.handoff.desk import HandoffDesk
from bot.privacy.erasure import TrackerStore
from bot.privacy.retention import purge
from bot.store import Database

log = logging.getLogger(__name__)

SILENCE_CHECK_SECONDS = 60.0
PURGE_FIRST_DELAY_SECONDS = 30.0
PURGE_INTERVAL_SECONDS = 3600.0


async def redeliver_forever(
    conversations: Conversations, engine: DialogueEngine, settings: Settings
) -> None:
    while True:
        await asyncio.sleep(settings.redelivery_interval_seconds)
        try:
            if conversations.pending_count() and await engine.is_healthy():
                answered = await conversations.redeliver_pending()
                if answered:
                    log.info("answered %d kept messages", answered)
        except Exception:
            log.exception("redelivery failed; will retry")


OUTBOX_INTERVAL_SECONDS = 2.0


async def flush_outbox_forever(outbox: Outbox) -> None:
    """Replies a provider refused for a while go out once it takes them again, in order."""
    while True:
        await asyncio.sleep(OUTBOX_INTERVAL_SECONDS)
        try:
            await outbox.flush_due()
        except Exception:
            log.exception("sending waiting replies failed; will retry")


async def close_silent_forever(desk: HandoffDesk) -> None:
    while True:
        await asyncio.sleep(SILENCE_CHECK_SECONDS)
        try:
            closed = await desk.close_silent()
            if closed:
                log.info("closed %d silent tickets", closed)
        except Exception:
            log.exception("closing silent tickets failed; will retry")


async def purge_forever(db: Database, trackers: TrackerStore, settings: Settings) -> None:
    """Retention: soon after start, then every hour."""
    await asyncio.sleep(PURGE_FIRST_DELAY_SECONDS)
    retention = timedelta(days=settings.retention_days)
    while True:
        try:
            await asyncio.to_thread(purge_and_compact, db, trackers, retention)
        except Exception:
            log.exception("retention purge failed; will retry")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


def purge_and_compact(db: Database, trackers: TrackerStore, retention: timedelta) -> None:
    """What retention removed is also gone from SQLite's log and PostgreSQL's dead rows."""
    purge(db, trackers, retention=retention)
    db.checkpoint()
    trackers.compact()


async def answer_left_behind_forever(intake: Answering, settings: Settings) -> None:
    """Messages kept but not answered: their gateway stopped or died, or the database was
    away longer than a turn waits. Any gateway answers them (bot/channels/inbox.py)."""
    while True:
        await asyncio.sleep(settings.redelivery_interval_seconds)
        try:
            answered = await intake.answer_left_behind()
            if answered:
                log.info("answered %d messages left behind", answered)
        except Exception as exc:
            log.error("answering messages left behind failed (%s); will retry",
                      type(exc).__name__)  # fmt: skip


FORGET_AT_TWILIO_INTERVAL_SECONDS = 60.0


async def forget_at_twilio_forever(records: TwilioRecords) -> None:
    """Twilio's copies of our messages, deleted there once delivered (security review F5)."""
    while True:
        await asyncio.sleep(FORGET_AT_TWILIO_INTERVAL_SECONDS)
        try:
            await records.forget_due()
        except Exception as exc:
            log.error("deleting at Twilio failed (%s); will retry", type(exc).__name__)


def start_chores(
    intake: Answering,
    desk: HandoffDesk,
    engine: DialogueEngine,
    settings: Settings,
    sms: TwilioSms | None = None,
) -> list[asyncio.Task[None]]:
    conversations = intake.conversations
    chores = [
        answer_left_behind_forever(intake, settings),
        redeliver_forever(conversations, engine, settings),
        close_silent_forever(desk),
        purge_forever(conversations.db, conversations.trackers, settings),
        flush_outbox_forever(conversations.outbox),
    ]
    if sms is not None and sms.records is not None:
        chores.append(forget_at_twilio_forever(sms.records))
    return [asyncio.create_task(chore) for chore in chores]


async def stop_chores(chores: list[asyncio.Task[None]]) -> None:
    for chore in chores:
        chore.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chore
