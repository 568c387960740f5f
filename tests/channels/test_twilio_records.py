"""Twilio's copies of our messages are deleted there (security review F5): every message
received and sent is deleted at Twilio once it is delivered; one Twilio still holds (on its
way) is tried again later; nothing about it reaches a log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bot.channels.sms import TwilioSms
from bot.store import Database, ProviderRecord
from bot.store.models import utcnow
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms

PHONE = "+923001234588"


def everything_due(db: Database) -> None:
    with db.session() as session:
        session.execute(
            update(ProviderRecord)
            .values(forget_after=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def noted(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(ProviderRecord.record_id)))


def test_what_twilio_kept_of_a_conversation_is_deleted_there_once(
    gateway: TestClient, providers: FakeProviders, caplog: pytest.LogCaptureFixture
) -> None:
    db: Database = gateway.app.state.db  # type: ignore[attr-defined]
    sms: TwilioSms = gateway.app.state.sms  # type: ignore[attr-defined]
    assert sms.records is not None
    post_sms(gateway, PHONE, "salam", "SM" + "4" * 32)
    post_sms(gateway, PHONE, "salam", "SM" + "4" * 32)  # Twilio's retry: noted once
    sent = list(providers.twilio_sids)
    assert sent and sorted(noted(db)) == sorted(["SM" + "4" * 32, *sent])
    assert gateway.portal.call(sms.records.forget_due) == 0  # type: ignore[union-attr]  # not yet due
    providers.twilio_in_progress.add(sent[0])  # still on its way to the phone
    everything_due(db)
    with caplog.at_level(logging.DEBUG):
        gone = gateway.portal.call(sms.records.forget_due)  # type: ignore[union-attr]
    assert gone == len(sent)  # the inbound one and all sent but the one on its way
    assert sorted(providers.twilio_deleted) == sorted(["SM" + "4" * 32, *sent[1:]])
    assert noted(db) == [sent[0]]  # tried again later
    providers.twilio_in_progress.clear()
    everything_due(db)
    assert gateway.portal.call(sms.records.forget_due) == 1  # type: ignore[union-attr]
    assert noted(db) == [] and sent[0] in providers.twilio_deleted
    assert PHONE not in caplog.text and PHONE.lstrip("+") not in caplog.text
