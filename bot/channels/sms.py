"""SMS through Twilio: signed webhooks in (`twilio_webhook`), the REST API out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels import webhook_body
from bot.channels.base import Inbound, Intake, ProviderRefusedError
from bot.channels.twilio_records import TwilioRecords
from bot.wording.render import Channel, Reply

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TWILIO_TIMEOUT_SECONDS = 20.0
MAX_BODY_LENGTH = 1600  # Twilio's own limit for one inbound message


class MalformedWebhookError(ValueError):
    """A correctly signed request that lacks what an inbound SMS must have."""


@dataclass(frozen=True)
class InboundSms:
    sid: str
    sender: str
    text: str


class RedirectedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, pointed at another host (a test double or an egress proxy)."""

    def __init__(self, api_url: str) -> None:
        super().__init__(timeout=10)
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        return super().request(method, url.replace(TWILIO_API, self.api_url, 1), *args, **kwargs)


class TwilioSms:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        webhook_url: str,
        http_client: HttpClient | None = None,
    ) -> None:
        self.validator = RequestValidator(auth_token)
        # twilio's own client waits for ever by default: a hung connection would hold a
        # reply (and its person's queue) past the outbox's lease.
        http_client = http_client or TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS)
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.from_number = from_number
        self.webhook_url = webhook_url
        # Where each message's id at Twilio is noted, to delete Twilio's copy (app.py wires it).
        self.records: TwilioRecords | None = None

    def is_signed(self, params: Mapping[str, str], signature: str | None) -> bool:
        """Twilio's signature over our public URL and the form, checked by twilio itself."""
        return bool(signature) and bool(
            self.validator.validate(self.webhook_url, dict(params), signature)
        )

    @staticmethod
    def parse(params: Mapping[str, str]) -> InboundSms:
        sid, sender = params.get("MessageSid", ""), params.get("From", "")
        if not sid or not sender or len(sid) > 64 or len(sender) > 64:
            raise MalformedWebhookError("MessageSid and From are required")
        return InboundSms(sid, sender, params.get("Body", "")[:MAX_BODY_LENGTH])

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        for reply in replies:
            try:
                # twilio's client is synchronous: keep it off the event loop.
                sent = await asyncio.to_thread(
                    self.client.messages.create, to=address, from_=self.from_number, body=reply.text
                )
                if self.records is not None and sent.sid:
                    self.records.keep([sent.sid])
            except TwilioRestException as exc:
                log.error("Twilio refused a message: code %s, status %s", exc.code, exc.status)
                raise ProviderRefusedError("twilio", exc.code, exc.status) from None
            except TwilioException as exc:  # no code: its text is not ours to repeat
                log.error("Twilio failed: %s", type(exc).__name__)
                raise ProviderRefusedError("twilio", None, None) from None
        return []

    async def delete(self, address: str, message_ids: list[int]) -> None:
        """A sent SMS can't be taken back from the phone."""


router = APIRouter()


@router.post("/webhooks/twilio")
async def twilio_webhook(request: Request, background: BackgroundTasks) -> Response:
    """An inbound SMS. Answered at once; the replies go out through Twilio's REST API."""
    sms: TwilioSms | None = request.app.state.sms
    if sms is None:
        raise HTTPException(status_code=404, detail="SMS is not configured")
    form = await webhook_body.form(request)
    if not sms.is_signed(form, request.headers.get("X-Twilio-Signature")):
        raise HTTPException(status_code=403, detail="invalid signature")
    try:
        inbound = sms.parse(form)
    except MalformedWebhookError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    intake: Intake = request.app.state.intake
    with webhook_body.kept_or_try_again():  # Twilio is told "received" only once it is kept
        if sms.records is not None:
            sms.records.keep([inbound.sid])  # Twilio's copy is deleted once we answered
        pid = intake.receive(Inbound(Channel.SMS, inbound.sender, inbound.text), inbound.sid)
    if pid is not None:  # None: Twilio's retry of a message already kept
        background.add_task(intake.answer_waiting, pid)
    return Response(EMPTY_TWIML, media_type="text/xml")
