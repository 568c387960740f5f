"""Simulated survivors on the real channels: signed Twilio webhooks and Telegram updates
posted to a gateway process, replies read from the fake providers."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import httpx
from twilio.request_validator import RequestValidator

from tests.auxil.providers import TELEGRAM_SECRET, TWILIO_SID, TWILIO_TOKEN, FakeProviders

_ids = itertools.count(1)


def wait_for(count: callable[[], int], at_least: int, timeout: float = 30.0) -> None:  # type: ignore[valid-type]
    """Replies go out after the webhook answered: wait until they arrived and settled."""
    deadline = time.monotonic() + timeout
    while count() < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {at_least} messages, got {count()}")
        time.sleep(0.05)
    settled = count()
    time.sleep(0.3)
    while count() != settled:
        settled = count()
        time.sleep(0.3)


@dataclass
class SmsSurvivor:
    gateway: httpx.Client
    providers: FakeProviders
    number: str = field(default_factory=lambda: f"+92301{next(_ids):07d}")

    def says(self, text: str) -> list[str]:
        """Send, and wait for the replies."""
        before = len(self.providers.sms_to(self.number))
        self.writes(text)
        wait_for(lambda: len(self.providers.sms_to(self.number)), before + 1)
        return self.providers.sms_to(self.number)[before:]

    def writes(self, text: str) -> None:
        """Send without waiting for a reply (a support worker answers when they can)."""
        form = {"MessageSid": f"SM{next(_ids):032d}", "AccountSid": TWILIO_SID, "From": self.number,
                "To": "+15005550006", "Body": text, "NumMedia": "0"}  # fmt: skip
        url = str(self.gateway.base_url).rstrip("/") + "/webhooks/twilio"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        response = self.gateway.post(
            "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200, response.text


@dataclass
class TelegramSurvivor:
    gateway: httpx.Client
    providers: FakeProviders
    chat_id: int = field(default_factory=lambda: 880000000 + next(_ids))

    def _post(self, update: dict[str, object]) -> list[str]:
        before = len(self.providers.telegram_texts_to(self.chat_id))
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        assert (
            self.gateway.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
        )
        wait_for(lambda: len(self.providers.telegram_texts_to(self.chat_id)), before + 1)
        return self.providers.telegram_texts_to(self.chat_id)[before:]

    def says(self, text: str) -> list[str]:
        chat = {"id": self.chat_id, "type": "private"}
        user = {"id": self.chat_id, "is_bot": False, "first_name": "A"}
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        return self._post({"update_id": next(_ids), "message": message})

    def presses(self, digit: str) -> list[str]:
        chat = {"id": self.chat_id, "type": "private"}
        user = {"id": self.chat_id, "is_bot": False, "first_name": "A"}
        query = {"id": f"cb{next(_ids)}", "chat_instance": "c", "data": digit, "from": user,
                 "message": {"message_id": 1, "date": 0, "chat": chat, "text": "menu"}}  # fmt: skip
        return self._post({"update_id": next(_ids), "callback_query": query})
