"""Property-based fuzzing of both webhooks: never a 500, never a reply to a forged request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.auxil.fuzz import FUZZ, text
from tests.auxil.providers import TELEGRAM_SECRET, FakeProviders
from tests.channels.conftest import sign

pytestmark = pytest.mark.fuzz
TWILIO_FIELDS = ["MessageSid", "From", "To", "Body", "AccountSid", "NumMedia", "SmsStatus"]

forms = st.dictionaries(
    st.sampled_from(TWILIO_FIELDS) | st.text(min_size=1, max_size=20), text, max_size=8
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=5)
    ),
    max_leaves=25,
)
updates = st.fixed_dictionaries(
    {"update_id": st.integers() | text},
    optional={"message": json_values, "callback_query": json_values, "edited_message": json_values},
)


@FUZZ
@given(form=forms, signature=text)
def test_forged_sms_webhooks_get_403_and_no_reply(
    gateway: TestClient, providers: FakeProviders, form: dict[str, str], signature: str
) -> None:
    response = gateway.post(
        "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature.encode("utf-8")}
    )
    assert response.status_code == 403
    assert providers.sms == []


@FUZZ
@given(form=forms)
def test_signed_sms_webhooks_never_fail(
    gateway: TestClient, providers: FakeProviders, form: dict[str, str]
) -> None:
    before = len(providers.sms)
    response = gateway.post(
        "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": sign(form)}
    )
    assert response.status_code in (200, 400)
    new = providers.sms[before:]
    if response.status_code == 400:
        assert new == []
    assert all(m.to == form["From"] for m in new)


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
    ),
)
def test_any_bytes_to_either_webhook_never_fail(
    gateway: TestClient, body: bytes, content_type: str
) -> None:
    for path in ("/webhooks/twilio", "/webhooks/telegram"):
        response = gateway.post(path, content=body, headers={"content-type": content_type})
        assert response.status_code == 403


@FUZZ
@given(update=updates | json_values)
def test_any_json_update_with_the_secret_never_fails(gateway: TestClient, update: Any) -> None:
    response = gateway.post(
        "/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code in (200, 400)


@FUZZ
@given(update=updates, secret=text)
def test_telegram_without_the_secret_never_answers(
    gateway: TestClient, providers: FakeProviders, update: Any, secret: str
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret.encode("utf-8")}
    response = gateway.post("/webhooks/telegram", json=update, headers=headers)
    assert response.status_code == 403 or secret == TELEGRAM_SECRET
    assert providers.calls("sendMessage") == []
