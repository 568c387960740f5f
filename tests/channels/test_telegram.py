"""Telegram: secret token, buttons, non-text, groups, retries, quick exit."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import TELEGRAM_SECRET, FakeProviders

CHAT = 777000111
_update_ids = iter(range(5000, 10**6))


def text_update(
    text: str, chat: int = CHAT, chat_type: str = "private", **extra: Any
) -> dict[str, Any]:
    message = {
        "message_id": next(_update_ids), "date": int(time.time()),
        "chat": {"id": chat, "type": chat_type}, "from": {"id": chat, "is_bot": False, "first_name": "A"},
        "text": text, **extra,
    }  # fmt: skip
    return {"update_id": next(_update_ids), "message": message}


def post_update(
    client: TestClient, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET
) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/webhooks/telegram", json=update, headers=headers).status_code


def test_webhook_is_set_with_the_secret_when_the_channel_starts(
    gateway: TestClient, providers: FakeProviders
) -> None:
    [call] = providers.calls("setWebhook")
    assert call["url"] == "https://rahnuma.example.org/webhooks/telegram"
    assert call["secret_token"] == TELEGRAM_SECRET


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"], ids=["missing", "empty", "wrong"])
def test_missing_or_wrong_secret_gets_403(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine, secret: str | None
) -> None:
    assert post_update(gateway, text_update("hi"), secret) == 403
    assert providers.calls("sendMessage") == [] and engine.received == []


def test_menus_become_buttons_and_a_press_works_like_the_digit(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    assert post_update(gateway, text_update("hello")) == 200
    [sent] = providers.calls("sendMessage")
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["1", "2", "0"]
    press = {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "cb1", "chat_instance": "x", "data": "2",
            "from": {"id": CHAT, "is_bot": False, "first_name": "A"},
            "message": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}, "text": "menu"},
        },
    }  # fmt: skip
    assert post_update(gateway, press) == 200
    assert engine.received[-1]["message"] == "/deny"
    assert [c["callback_query_id"] for c in providers.calls("answerCallbackQuery")] == ["cb1"]


# What people send that isn't text: each answered kindly, each deleted on EXIT.
NOT_TEXT = [
    {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]},
    {"voice": {"file_id": "v", "file_unique_id": "u", "duration": 3}},
    {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    {"location": {"latitude": 31.5, "longitude": 74.3}},
    {"contact": {"phone_number": "+923001234567", "first_name": "B"}},
    {"document": {"file_id": "d", "file_unique_id": "u"}},
]
NOT_TEXT_IDS = ["photo", "voice", "sticker", "location", "contact", "document"]


@pytest.mark.parametrize("content", NOT_TEXT, ids=NOT_TEXT_IDS)
def test_anything_but_text_gets_a_short_kind_answer(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine, content: dict[str, Any]
) -> None:
    update = text_update("")
    del update["message"]["text"]
    update["message"].update(content)
    assert post_update(gateway, update) == 200
    [sent] = providers.calls("sendMessage")
    # Issue 15: something to act on without reading much: the numbers, and one button.
    assert "15 (police)" in sent["text"] and "1122" in sent["text"]
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["1"]
    assert engine.received == []
    assert post_update(gateway, text_update("1")) == 200
    assert engine.received[-1]["message"] == "/request_human"  # the button: to a person


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": text_update("edited")["message"]},
        {
            "update_id": 2,
            "channel_post": text_update("post", chat=-100, chat_type="channel")["message"],
        },
        text_update("hello group", chat=-200, chat_type="group"),
        text_update("hello supergroup", chat=-300, chat_type="supergroup"),
        {
            "update_id": 3,
            "poll": {
                "id": "p",
                "question": "q",
                "options": [],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        },
    ],
    ids=["edited", "channel_post", "group", "supergroup", "poll"],
)
def test_edits_groups_and_channels_are_ignored(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine, update: dict[str, Any]
) -> None:
    assert post_update(gateway, update) == 200
    assert providers.calls("sendMessage") == [] and engine.received == []


def test_an_update_is_processed_once(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    update = text_update("hello")
    for _ in range(3):
        assert post_update(gateway, update) == 200
    assert len(engine.received) == 1 and len(providers.calls("sendMessage")) == 1


def test_exit_deletes_the_chat_then_sends_one_neutral_line(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """SAFETY.md rule 10."""
    first, second = text_update("hello"), text_update("need help")
    post_update(gateway, first)
    post_update(gateway, second)
    sent_ids = [1000, 1001]  # the fake numbers the bot's messages from 1000
    exit_update = text_update("EXIT")
    post_update(gateway, exit_update)
    [deleted] = providers.calls("deleteMessages")
    expected = {first["message"]["message_id"], second["message"]["message_id"], *sent_ids}
    assert set(deleted["message_ids"]) >= expected - {None}
    assert exit_update["message"]["message_id"] in deleted["message_ids"]
    assert providers.telegram_texts_to(CHAT)[-1] == "OK."


@pytest.mark.parametrize("content", NOT_TEXT, ids=NOT_TEXT_IDS)
def test_exit_also_deletes_photos_locations_and_voice_notes(
    gateway: TestClient, providers: FakeProviders, content: dict[str, Any]
) -> None:
    """Security review F3: what the person sent that wasn't text goes on EXIT too."""
    update = text_update("")
    del update["message"]["text"]
    update["message"].update(content)
    post_update(gateway, update)
    post_update(gateway, text_update("EXIT"))
    [deleted] = providers.calls("deleteMessages")
    assert update["message"]["message_id"] in deleted["message_ids"]


def test_confirmed_delete_clears_the_chat_too(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """Rule 11, security review F4: DELETE asks once, then erases the stores and the
    messages the Bot API can still delete, before saying it did."""
    first = text_update("hello")
    post_update(gateway, first)
    post_update(gateway, text_update("DELETE"))
    assert providers.calls("deleteMessages") == []  # only asked so far
    post_update(gateway, text_update("1"))
    [deleted] = providers.calls("deleteMessages")
    assert first["message"]["message_id"] in deleted["message_ids"]
    assert "erased" in providers.telegram_texts_to(CHAT)[-1]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b"\xff\xfe",
        b'{"update_id": "x"}',
        b'{"message": {"chat": 5}}',
        b"{}",
    ],
)
def test_malformed_updates_never_crash(
    gateway: TestClient, providers: FakeProviders, body: bytes
) -> None:
    response = gateway.post(
        "/webhooks/telegram", content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code in (200, 400)
    assert providers.calls("sendMessage") == []


def test_without_a_public_url_the_bot_polls(
    channel_settings: Any, providers: FakeProviders, engine: FakeEngine
) -> None:
    """Development mode: no webhook, updates fetched with getUpdates, same handling."""
    import httpx

    from bot.app import Transports, create_app
    from tests.auxil.providers import FakeBotApi

    providers.updates.append(text_update("hello"))
    settings = channel_settings.model_copy(update={"public_url": "", "twilio_account_sid": ""})
    transports = Transports(
        telegram_request=FakeBotApi(providers), engine_http=httpx.MockTransport(engine.handler)
    )
    with TestClient(create_app(settings, transports)):
        deadline = time.monotonic() + 10
        while not providers.calls("sendMessage") and time.monotonic() < deadline:
            time.sleep(0.05)
    assert providers.calls("deleteWebhook") and not providers.calls("setWebhook")
    assert len(providers.calls("sendMessage")) == 1
