"""Fakes of Twilio's and Telegram's servers, at the libraries' own transport seams.

`FakeProviders` answers like the real APIs and records what was sent. It is reached
in-process (a twilio `HttpClient`, a python-telegram-bot `BaseRequest`) or over HTTP
(`serve_providers`, for a gateway running as its own process). Nothing here reaches a
real network: any other host fails the test.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from telegram.request import BaseRequest, RequestData
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from tests.auxil.services import serve_in_thread

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
TELEGRAM_TOKEN = "123456:TEST-token"
TELEGRAM_SECRET = "test-secret-token-0123456789"
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


@dataclass
class SentSms:
    to: str
    sender: str
    body: str


@dataclass
class FakeProviders:
    sms: list[SentSms] = field(default_factory=list)
    telegram_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served to getUpdates
    url: str = ""  # where `serve_providers` serves them
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    lock: threading.Lock = field(default_factory=threading.Lock)
    twilio_error: dict[str, Any] | None = None  # Twilio refuses every message with this body
    # The Bot API refuses every sendMessage with this body (a 429 flood limit, a 5xx)
    telegram_error: dict[str, Any] | None = None
    refused: int = 0  # messages refused by either, so a test knows the fault was met
    twilio_deleted: list[str] = field(default_factory=list)  # message ids deleted at Twilio
    twilio_in_progress: set[str] = field(default_factory=set)  # not deletable yet
    twilio_sids: list[str] = field(default_factory=list)  # every message id Twilio gave out

    # -- Twilio --------------------------------------------------------------------------

    def twilio(self, method: str, path: str, data: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if method == "DELETE" and path.startswith(TWILIO_MESSAGES.removesuffix(".json") + "/"):
            return self._twilio_delete(path.rsplit("/", 1)[1].removesuffix(".json"))
        if method != "POST" or path != TWILIO_MESSAGES:
            return 404, {"code": 20404, "message": "not found", "status": 404}
        if self.twilio_error is not None:
            with self.lock:
                self.refused += 1
            return int(self.twilio_error["status"]), self.twilio_error
        with self.lock:
            self.sms.append(SentSms(data["To"], data["From"], data["Body"]))
            sid = f"SM{next(self._ids):032d}"
            self.twilio_sids.append(sid)
        return 201, {
            "sid": sid, "account_sid": TWILIO_SID, "to": data["To"], "from": data["From"],
            "body": data["Body"], "status": "queued", "num_segments": "1",
        }  # fmt: skip

    def _twilio_delete(self, sid: str) -> tuple[int, dict[str, Any]]:
        """Twilio deletes a message from its log; one still on its way is refused."""
        with self.lock:
            if sid in self.twilio_in_progress:
                return 409, {"code": 20009, "message": "Cannot delete message", "status": 409}
            if sid in self.twilio_deleted:
                return 404, {"code": 20404, "message": "not found", "status": 404}
            self.twilio_deleted.append(sid)
        return 204, {}

    def sms_to(self, number: str) -> list[str]:
        with self.lock:
            return [m.body for m in self.sms if m.to == number]

    # -- Telegram Bot API ----------------------------------------------------------------

    def telegram(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if method == "sendMessage" and self.telegram_error is not None:
                self.refused += 1
                return self.telegram_error
            self.telegram_calls.append((method, params))
            if method == "getMe":
                return _ok(
                    {"id": 1, "is_bot": True, "first_name": "Rahnuma", "username": "rahnuma_bot"}
                )
            if method == "getUpdates":
                served, self.updates = self.updates, []
                return _ok(served)
            if method == "sendMessage":
                return _ok({
                    "message_id": next(self._ids), "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params["text"],
                })  # fmt: skip
            if method in {"setWebhook", "deleteWebhook", "deleteMessages", "answerCallbackQuery"}:
                return _ok(True)
        return {"ok": False, "error_code": 404, "description": f"Not Found: {method}"}

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.telegram_calls if name == method]

    def telegram_texts_to(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.calls("sendMessage") if int(p["chat_id"]) == chat_id]


def _ok(result: object) -> dict[str, Any]:
    return {"ok": True, "result": result}


class FakeTwilioHttp(HttpClient):
    """twilio's `http_client` seam: the real twilio client code builds every request."""

    def __init__(self, providers: FakeProviders) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, 10)
        self.providers = providers

    def request(self, method: str, uri: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: Any = None,
                allow_redirects: bool = False) -> TwilioResponse:  # fmt: skip
        assert uri.startswith("https://api.twilio.com/"), f"unexpected host: {uri}"
        path = uri.removeprefix("https://api.twilio.com")
        status, body = self.providers.twilio(method, path, dict(data or {}))
        return TwilioResponse(status, json.dumps(body) if body else "")


class FakeBotApi(BaseRequest):
    """python-telegram-bot's request seam: the real Bot builds every call."""

    def __init__(self, providers: FakeProviders) -> None:
        self.providers = providers

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None) -> tuple[int, bytes]:  # fmt: skip
        prefix = f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/"
        assert url.startswith(prefix), f"unexpected host: {url}"
        params = request_data.parameters if request_data else {}
        return 200, json.dumps(
            self.providers.telegram(url.removeprefix(prefix), dict(params))
        ).encode()


def provider_app(providers: FakeProviders) -> FastAPI:
    """The same fakes over HTTP, for a gateway in another process."""
    app = FastAPI()

    @app.post("/twilio/{path:path}")
    async def twilio(path: str, request: Request) -> Response:
        data = dict(parse_qsl((await request.body()).decode()))
        status, body = providers.twilio("POST", "/" + path, data)
        return Response(json.dumps(body), status_code=status, media_type="application/json")

    @app.delete("/twilio/{path:path}")
    async def twilio_delete(path: str) -> Response:
        status, body = providers.twilio("DELETE", "/" + path, {})
        return Response(json.dumps(body) if body else None, status_code=status,
                        media_type="application/json")  # fmt: skip

    @app.post("/telegram/bot{token}/{method}")
    async def telegram(token: str, method: str, request: Request) -> Response:
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = {k: _maybe_json(v) for k, v in parse_qsl(raw.decode())}
        answer = providers.telegram(method, params)
        status = 200 if answer.get("ok") else int(answer.get("error_code", 400))
        return Response(json.dumps(answer), status_code=status, media_type="application/json")

    return app


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def serve_providers(providers: FakeProviders, port: int) -> AbstractContextManager[str]:
    """Serve the fakes on 127.0.0.1:port in a thread; yields the base URL."""
    return serve_in_thread(provider_app(providers), port)
