"""SMS over Twilio: signatures, retries, opt-out, a dead engine."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.config import get_settings
from bot.wording.segments import sms_shape
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms, sign, sms_form

PHONE = "+923001234501"


def waiting_messages(gateway: TestClient) -> int:
    """The count `/healthz` shows only to the engine's token (or loopback)."""
    token = {"Authorization": f"Bearer {get_settings().rasa_token}"}
    return int(gateway.get("/healthz", headers=token).json()["waiting_messages"])


def test_signed_sms_is_answered_through_the_rest_api(
    gateway: TestClient, providers: FakeProviders
) -> None:
    response = post_sms(gateway, PHONE, "salam", "SM1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    [body] = providers.sms_to(PHONE)
    assert [line[:2] for line in body.splitlines()[-3:]] == ["1 ", "2 ", "0 "]  # a numbered menu
    assert sms_shape(body).segments <= 2


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": ""}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "empty", "wrong"],
)
def test_forged_or_missing_signature_gets_403_and_nothing_else(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine, headers: dict[str, str]
) -> None:
    response = gateway.post("/webhooks/twilio", data=sms_form(PHONE, "hi", "SM2"), headers=headers)
    assert response.status_code == 403
    assert providers.sms == [] and engine.received == []


def test_signature_for_another_url_or_other_fields_is_refused(
    gateway: TestClient, providers: FakeProviders
) -> None:
    form = sms_form(PHONE, "hi", "SM3")
    other_url = gateway.post("/webhooks/twilio", data=form,
                             headers={"X-Twilio-Signature": sign(form, "https://evil.example/webhooks/twilio")})  # fmt: skip
    signature = sign(form)
    tampered = gateway.post("/webhooks/twilio", data={**form, "Body": "DELETE"},
                            headers={"X-Twilio-Signature": signature})  # fmt: skip
    assert (other_url.status_code, tampered.status_code) == (403, 403)
    assert providers.sms == []


def test_a_retried_webhook_is_answered_once(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    for _ in range(3):
        assert post_sms(gateway, PHONE, "hello", "SM4").status_code == 200
    assert len(engine.received) == 1
    assert len(providers.sms_to(PHONE)) == 1


def test_menu_digit_over_sms_sends_the_options_payload(
    gateway: TestClient, engine: FakeEngine
) -> None:
    post_sms(gateway, PHONE, "hello", "SM5")
    post_sms(gateway, PHONE, "2", "SM6")
    assert engine.received[-1]["message"] == "/deny"


def test_stop_then_nothing_is_sent_until_start(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """SAFETY.md rule 21: after STOP's confirmation nothing is sent until START, but the
    answer to HELP (carrier rules) and the emergency numbers to a plea (rule 17)."""
    post_sms(gateway, PHONE, "hello", "SM10")
    post_sms(gateway, PHONE, "STOP", "SM11")
    sent_after_stop = len(providers.sms_to(PHONE))
    assert "START" in providers.sms_to(PHONE)[-1]
    for n, text in enumerate(["hello?", "2", "DELETE", "cancel"]):
        post_sms(gateway, PHONE, text, f"SM2{n}")
    assert len(providers.sms_to(PHONE)) == sent_after_stop
    post_sms(gateway, PHONE, "help", "SM25")
    assert "15" in providers.sms_to(PHONE)[-1] and "STOP" in providers.sms_to(PHONE)[-1]
    post_sms(gateway, PHONE, "mujhe bachao", "SM26")
    assert "1122" in providers.sms_to(PHONE)[-1]
    assert len(providers.sms_to(PHONE)) == sent_after_stop + 2
    post_sms(gateway, PHONE, "START", "SM30")
    assert len(providers.sms_to(PHONE)) == sent_after_stop + 3


def test_no_code_path_sends_to_an_opted_out_number(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """A message kept during an outage is never answered once the person said STOP."""
    agreeing(engine)
    post_sms(gateway, PHONE, "yes", "SM39")
    engine.reply = lambda body: httpx.ConnectError("down")
    post_sms(gateway, PHONE, "I need a lawyer", "SM40")
    assert waiting_messages(gateway) == 1
    post_sms(gateway, PHONE, "STOP", "SM41")
    before = len(providers.sms_to(PHONE))
    conversations = gateway.app.state.conversations  # type: ignore[attr-defined]
    engine.reply = FakeEngine().reply
    assert asyncio.run(conversations.redeliver_pending()) == 0  # dropped at STOP
    assert len(providers.sms_to(PHONE)) == before


def test_signed_but_malformed_webhook_gets_a_clear_400(gateway: TestClient) -> None:
    form = {"Body": "hi"}
    response = gateway.post(
        "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": sign(form)}
    )
    assert response.status_code == 400
    assert "MessageSid" in response.json()["detail"]


def test_oversized_webhook_is_refused(gateway: TestClient) -> None:
    form = sms_form(PHONE, "x" * 70_000, "SM50")
    response = gateway.post(
        "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": sign(form)}
    )
    assert response.status_code == 413


def test_dead_engine_still_gives_emergency_numbers_and_the_message_is_answered_later(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    agreeing(engine)
    post_sms(gateway, PHONE, "yes", "SM59")  # kept for later only with a yes to keeping
    engine.reply = lambda body: httpx.ConnectError("down")
    post_sms(gateway, PHONE, "mujhe bachao", "SM60")
    holding = providers.sms_to(PHONE)[-1]
    assert "15" in holding and "1122" in holding
    assert waiting_messages(gateway) == 1
    engine.reply = FakeEngine().reply
    conversations = gateway.app.state.conversations  # type: ignore[attr-defined]
    assert asyncio.run(conversations.redeliver_pending()) == 1
    assert engine.received[-1]["message"] == "/emergency"  # the danger lexicon caught it
    assert len(providers.sms_to(PHONE)) == 3
    assert waiting_messages(gateway) == 0


def test_dead_engine_keeps_nothing_of_someone_who_did_not_agree_to_keeping(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """DESIGN.md decision 10: numbers now, and the message is not kept for later."""
    engine.reply = lambda body: httpx.ConnectError("down")
    post_sms(gateway, PHONE, "mujhe bachao", "SM61")
    [holding] = providers.sms_to(PHONE)
    assert "15" in holding and "1122" in holding
    assert waiting_messages(gateway) == 0


def test_sms_not_configured_is_404(isolated_settings: object) -> None:
    from bot.app import create_app

    with TestClient(create_app(isolated_settings)) as client:  # type: ignore[arg-type]
        assert client.post("/webhooks/twilio", data={"a": "b"}).status_code == 404


def test_a_refused_sms_leaves_no_phone_number_in_any_log(
    gateway: TestClient, providers: FakeProviders, caplog: pytest.LogCaptureFixture
) -> None:
    """Security review F2: Twilio's error text names the number (21408 geo-permission);
    neither the log line nor its traceback may repeat it (rule 20)."""
    providers.twilio_error = {
        "code": 21408,
        "message": "Permission to send an SMS has not been enabled for the region "
        f"indicated by the 'To' number: {PHONE}",
        "more_info": "https://www.twilio.com/docs/errors/21408",
        "status": 400,
    }
    with caplog.at_level(logging.DEBUG):
        response = post_sms(gateway, PHONE, "hello", "SM70")
    assert response.status_code == 200
    logged = "\n".join(caplog.text.splitlines())
    assert "21408" in logged  # the code is what an operator needs
    assert PHONE not in logged and PHONE.lstrip("+") not in logged
