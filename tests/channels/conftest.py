"""A gateway in-process with Twilio, Telegram and the engine faked at their transport seams."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.app import Transports, create_app
from bot.config import Settings
from bot.wording.messages import BotMessage, Option
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeBotApi,
    FakeProviders,
    FakeTwilioHttp,
)

PUBLIC_URL = "https://rahnuma.example.org"
TWILIO_URL = f"{PUBLIC_URL}/webhooks/twilio"


def menu_reply(body: dict[str, object]) -> list[BotMessage]:
    return [
        BotMessage(
            "safety.ask",
            options=(Option("option.safe_now", "/affirm"), Option("option.later", "/deny")),
            zero=Option("option.skip", "/skip"),
        )
    ]


@pytest.fixture
def providers() -> FakeProviders:
    return FakeProviders()


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(menu_reply)


@pytest.fixture
def channel_settings(isolated_settings: Settings) -> Settings:
    return isolated_settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "rasa_url": "http://rasa.test",
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from_number": "+15005550006",
            "telegram_bot_token": TELEGRAM_TOKEN,
            "telegram_webhook_secret": TELEGRAM_SECRET,
            "redelivery_interval_seconds": 3600.0,  # tests trigger redelivery themselves
        }
    )


@pytest.fixture
def gateway(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine
) -> Iterator[TestClient]:
    transports = Transports(
        twilio_http=FakeTwilioHttp(providers),
        telegram_request=FakeBotApi(providers),
        engine_http=httpx.MockTransport(engine.handler),
    )
    with TestClient(create_app(channel_settings, transports)) as client:
        yield client


def sign(params: dict[str, str], url: str = TWILIO_URL) -> str:
    """Twilio's signature, computed by twilio's own validator."""
    return str(RequestValidator(TWILIO_TOKEN).compute_signature(url, params))


def sms_form(sender: str, body: str, sid: str) -> dict[str, str]:
    return {
        "MessageSid": sid, "AccountSid": TWILIO_SID, "From": sender, "To": "+15005550006",
        "Body": body, "NumMedia": "0",
    }  # fmt: skip


def post_sms(client: httpx.Client, sender: str, body: str, sid: str) -> httpx.Response:
    form = sms_form(sender, body, sid)
    return client.post("/webhooks/twilio", data=form, headers={"X-Twilio-Signature": sign(form)})
