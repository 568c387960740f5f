"""Durable delivery (issue 18, item 1): a reply Twilio refuses for a while still arrives,
once, in order, also after a restart of the gateway; one refused for good is dropped and
counted; what waits for a person who left is dropped; nothing waiting is readable in the
database, and no log holds the number. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import ProviderRefusedError
from bot.channels.outbox import Outbox, retry_after
from bot.store import Database, OutboundMessage
from bot.store.models import utcnow
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms
from tests.privacy.conftest import dump

PHONE = "+923001234577"
OUTAGE = {"code": 20500, "message": "Internal Server Error", "status": 503}
INVALID = {"code": 21211, "message": f"The 'To' number {PHONE} is not valid", "status": 400}


def outbox_of(gateway: TestClient) -> Outbox:
    outbox: Outbox = gateway.app.state.conversations.outbox  # type: ignore[attr-defined]
    return outbox


def time_passes(db: Database) -> None:
    """Every waiting reply is due now (as if its backoff were over)."""
    with db.session() as session:
        session.execute(
            update(OutboundMessage)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def waiting(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(OutboundMessage.id)).all())


def test_replies_refused_during_an_outage_arrive_once_in_order_when_it_ends(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = OUTAGE
    with caplog.at_level(logging.DEBUG):
        post_sms(gateway, PHONE, "salam", "SM801")
        post_sms(gateway, PHONE, "1", "SM802")
    assert providers.sms_to(PHONE) == []
    assert waiting(db) >= 2
    stored = dump(db.engine)
    assert PHONE not in stored and PHONE.lstrip("+") not in stored  # sealed while it waits
    time_passes(db)
    asyncio.run(outbox_of(gateway).flush_due())  # still down: nothing sent, nothing lost
    assert providers.sms_to(PHONE) == [] and waiting(db) >= 2

    providers.twilio_error = None
    time_passes(db)
    assert asyncio.run(outbox_of(gateway).flush_due()) == 0
    asyncio.run(outbox_of(gateway).flush_due())  # again: nothing twice
    sent = providers.sms_to(PHONE)
    assert len(sent) == len(engine.received)  # one reply per message (the fake engine's menu)
    assert waiting(db) == 0
    assert PHONE not in caplog.text and "503" in caplog.text  # the status, never the number


def test_a_reply_refused_for_good_is_dropped_and_counted_not_retried(
    gateway: TestClient, providers: FakeProviders, caplog: pytest.LogCaptureFixture
) -> None:
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = INVALID
    with caplog.at_level(logging.WARNING):
        post_sms(gateway, PHONE, "salam", "SM811")
    assert waiting(db) == 0
    assert "dropped one waiting reply" in caplog.text and PHONE not in caplog.text


def test_a_new_message_retries_what_waits_at_once_oldest_first(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """The person writes again (perhaps in danger): their answer does not wait behind an
    older reply's backoff, and the older reply still goes first."""
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = OUTAGE
    post_sms(gateway, PHONE, "salam", "SM821")
    assert providers.sms_to(PHONE) == []
    providers.twilio_error = None
    post_sms(gateway, PHONE, "1", "SM822")  # no time passes: both go now
    assert len(providers.sms_to(PHONE)) == 2 and waiting(db) == 0


def test_an_unreadable_reply_is_dropped_and_blocks_no_one(
    gateway: TestClient, providers: FakeProviders
) -> None:
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = OUTAGE
    post_sms(gateway, PHONE, "salam", "SM861")
    post_sms(gateway, "+923001234578", "salam", "SM862")
    with db.session() as session:
        first = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).first()
        assert first is not None
        first.reply_sealed = b"not sealed by us"  # a key rotated away, a changed format
    providers.twilio_error = None
    time_passes(db)
    assert asyncio.run(outbox_of(gateway).flush_due()) == 0
    assert len(providers.sms_to("+923001234578")) == 1


def test_what_waits_survives_a_restart_and_another_gateway_sends_it_once(
    gateway: TestClient, providers: FakeProviders
) -> None:
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = OUTAGE
    post_sms(gateway, PHONE, "salam", "SM831")
    providers.twilio_error = None
    time_passes(db)
    old = outbox_of(gateway)
    restarted = Outbox(db=db, senders=old.senders, simulated=old.simulated, vault=old.vault)

    async def both() -> None:
        await asyncio.gather(restarted.flush_due(), old.flush_due())

    asyncio.run(both())
    assert len(providers.sms_to(PHONE)) == 1  # claimed by one of them, sent once


def test_exit_and_stop_drop_what_still_waits(gateway: TestClient, providers: FakeProviders) -> None:
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    providers.twilio_error = OUTAGE
    post_sms(gateway, PHONE, "salam", "SM841")
    post_sms(gateway, PHONE, "EXIT", "SM842")
    with db.session() as session:
        rows = session.scalars(select(OutboundMessage)).all()
    assert len(rows) == 1  # only the neutral line EXIT sends; the older reply is gone
    providers.twilio_error = None
    time_passes(db)
    asyncio.run(outbox_of(gateway).flush_due())
    assert len(providers.sms_to(PHONE)) == 1


def _flood_limit() -> Exception:
    with warnings.catch_warnings():  # PTB 22 warns about the type of retry_after
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(timedelta(seconds=30))


@pytest.mark.parametrize(
    ("error", "wait"),
    [
        (lambda: ProviderRefusedError("twilio", 20500, 503), 0.0),
        (lambda: ProviderRefusedError("twilio", 20429, 429), 0.0),
        (lambda: ProviderRefusedError("twilio", None, None), 0.0),  # no answer at all
        (lambda: ProviderRefusedError("twilio", 21211, 400), None),  # an invalid number: never
        (lambda: ProviderRefusedError("twilio", 20003, 401), 0.0),  # credentials being fixed
        (lambda: InvalidToken(), 0.0),
        (_flood_limit, 30.0),  # Telegram's flood limit says how long
        (lambda: TimedOut(), 0.0),
        (lambda: NetworkError("reset"), 0.0),
        (lambda: BadRequest("chat not found"), None),
        (lambda: Forbidden("bot was blocked by the user"), None),
        (lambda: ValueError("a bug"), None),  # not a provider's refusal: not retried for ever
    ],
)  # fmt: skip
def test_what_is_worth_trying_again(error: Callable[[], Exception], wait: float | None) -> None:
    assert retry_after(error()) == wait


def test_health_shows_the_outbox_to_its_operator_only(
    gateway: TestClient, providers: FakeProviders
) -> None:
    providers.twilio_error = OUTAGE
    post_sms(gateway, PHONE, "salam", "SM851")
    token = {"Authorization": f"Bearer {gateway.app.state.settings.rasa_token}"}  # type: ignore[attr-defined]
    outbox = gateway.get("/healthz", headers=token).json()["outbox"]
    assert outbox["waiting"] == 1 and outbox["oldest_seconds"] >= 0
    assert (
        "outbox" not in gateway.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}).json()
    )
