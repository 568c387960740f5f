"""The gateway: FastAPI application factory, webhooks, simulator and health endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal
from urllib.parse import parse_qsl

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import text
from telegram.request import BaseRequest
from twilio.http import HttpClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.channels import SIMULATED_PREFIX, Outbox, Sender, SimulatorMailbox
from bot.channels.sms import EMPTY_TWIML, MalformedWebhookError, RedirectedHttpClient, TwilioSms
from bot.channels.telegram import TelegramChannel
from bot.config import Environment, Settings, get_settings
from bot.console import CONSOLE_STATIC, console_router, install_console_handlers, security_headers
from bot.conversation.danger import DangerLexicon
from bot.conversation.keywords import KeywordMatcher
from bot.conversation.service import Conversations, Inbound
from bot.dialogue_engine import DialogueEngine, waited_for_engine
from bot.directory import load_gazetteer
from bot.directory.curation import has_demo_listings, seed_demo
from bot.editing.publish import ensure_published
from bot.handoff.desk import HandoffDesk
from bot.logs import configure_logging
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault
from bot.privacy.retention import purge
from bot.store import Database
from bot.store.locks import PersonLocks
from bot.wording.catalogs import Catalogs
from bot.wording.render import Channel

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096  # Telegram's own limit; an SMS is far shorter
MAX_WEBHOOK_BYTES = 64 * 1024
SILENCE_CHECK_SECONDS = 60.0
PURGE_FIRST_DELAY_SECONDS = 30.0
PURGE_INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True)
class Transports:
    """The seams where tests put fakes of Twilio's and Telegram's servers (and the engine's)."""

    twilio_http: HttpClient | None = None
    telegram_request: BaseRequest | None = None
    engine_http: httpx.AsyncBaseTransport | None = None


class SimulatorMessage(BaseModel):
    channel: Literal["sms", "telegram"]
    sender: str = Field(alias="from", min_length=1, max_length=64)
    text: str = Field(max_length=MAX_TEXT_LENGTH)


class SimulatorReply(BaseModel):
    text: str
    options: list[str]
    segments: int
    encoding: str


class SimulatorResponse(BaseModel):
    replies: list[SimulatorReply]


def create_app(settings: Settings | None = None, transports: Transports | None = None) -> FastAPI:
    settings = settings or get_settings()
    transports = transports or Transports()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        db.migrate()
        _prepare_directory(db, settings)
        sms, telegram = _channels(settings, transports)
        senders: dict[str, Sender] = {}
        if sms:
            senders[Channel.SMS] = sms
        if telegram:
            senders[Channel.TELEGRAM] = telegram
        mailbox = SimulatorMailbox()
        async with httpx.AsyncClient(transport=transports.engine_http) as client:
            engine = DialogueEngine(
                settings.rasa_url, settings.rasa_token, settings.engine_timeout_seconds, client
            )
            catalogs = Catalogs(ensure_published(settings, db), settings.default_language)
            vault = Vault(settings.address_key)
            outbox = Outbox(db=db, senders=senders, mailbox=mailbox)
            locks = PersonLocks()
            desk = HandoffDesk(
                db=db,
                vault=vault,
                catalogs=catalogs,
                outbox=outbox,
                engine=engine,
                locks=locks,
                silence=timedelta(hours=settings.handoff_silence_hours),
            )
            conversations = Conversations(
                db=db,
                trackers=TrackerStore(settings.tracker_db_url),
                catalogs=catalogs,
                keywords=KeywordMatcher.from_file(settings.content_dir / "keywords.yml"),
                engine=engine,
                vault=vault,
                outbox=outbox,
                pseudonym_key=settings.pseudonym_key,
                default_language=settings.default_language,
                danger=DangerLexicon.from_file(settings.content_dir / "danger.yml"),
                desk=desk,
                locks=locks,
            )
            app.state.db, app.state.http, app.state.engine = db, client, engine
            app.state.desk = desk
            app.state.conversations, app.state.mailbox = conversations, mailbox
            app.state.sms, app.state.telegram = sms, telegram
            if telegram:
                webhook = (
                    f"{settings.public_url.rstrip('/')}/webhooks/telegram"
                    if settings.public_url
                    else None
                )
                await telegram.start(webhook, lambda data: _telegram_update(app, data))
            chores = [
                asyncio.create_task(_redeliver_forever(conversations, settings)),
                asyncio.create_task(_close_silent_forever(desk)),
                asyncio.create_task(_purge_forever(db, conversations.trackers, settings)),
            ]
            try:
                yield
            finally:
                for chore in chores:
                    chore.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await chore
                if telegram:
                    await telegram.stop()
        db.engine.dispose()

    app = FastAPI(title="Rahnuma gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.include_router(console_router(settings))
    app.mount("/console/static", StaticFiles(directory=CONSOLE_STATIC), name="console-static")
    install_console_handlers(app)
    app.middleware("http")(security_headers)
    if settings.trusted_proxies:
        # Added last, so it runs first: every handler sees the real client (docs/deploy.md).
        trusted = [host.strip() for host in settings.trusted_proxies.split(",") if host.strip()]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, object]:
        """Status of each part; `ok` only when all are up."""
        state = request.app.state
        engines = await state.engine.health()
        engine_ok = any(engines.values())
        try:
            actions = await state.http.get(f"{settings.actions_url}/health", timeout=2.0)
            actions_ok = actions.status_code == 200
        except httpx.HTTPError:
            actions_ok = False
        try:
            with state.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            database_ok = True
        except Exception:
            log.exception("database health check failed")
            database_ok = False
        parts = {"engine": engine_ok, "actions": actions_ok, "database": database_ok}
        return {
            "status": "ok" if all(parts.values()) else "degraded",
            **{name: "ok" if up else "down" for name, up in parts.items()},
            "waiting_messages": state.conversations.pending_count(),
            # Several engine replicas: each one's health and how many messages it answered.
            "engines": {
                number: {"status": "ok" if up else "down", "answered": replica.answered}
                for (number, up), replica in zip(
                    engines.items(), state.engine.replicas, strict=True
                )
            },
        }

    @app.post("/simulator/messages", response_model=SimulatorResponse)
    async def simulate(
        message: SimulatorMessage,
        conversations: Annotated[Conversations, Depends(_conversations)],
        response: Response,
    ) -> SimulatorResponse:
        """Talk to the bot as a survivor would, and see exactly what that channel would send.

        Server-Timing says how long the gateway worked on it and how long it waited for the
        engine (the simulator is off in production, so no one outside sees it).
        """
        if not settings.simulator_enabled:
            raise HTTPException(status_code=404)
        address = SIMULATED_PREFIX + message.sender
        started = time.perf_counter()
        waited_for_engine.set(0.0)
        outcome = await conversations.handle(
            Inbound(Channel(message.channel), address, message.text)
        )
        engine_ms = waited_for_engine.get() * 1000
        gateway_ms = (time.perf_counter() - started) * 1000 - engine_ms
        response.headers["Server-Timing"] = (
            f"gateway;dur={gateway_ms:.2f}, engine;dur={engine_ms:.2f}"
        )
        return SimulatorResponse(replies=[SimulatorReply(**r.as_json()) for r in outcome.replies])  # type: ignore[arg-type]

    @app.get("/simulator/messages/{sender}", response_model=SimulatorResponse)
    async def simulator_mailbox(sender: str, request: Request) -> SimulatorResponse:
        """Replies sent to a simulated person later (after an outage, or by staff)."""
        if not settings.simulator_enabled:
            raise HTTPException(status_code=404)
        replies = request.app.state.mailbox.take(SIMULATED_PREFIX + sender)
        return SimulatorResponse(replies=[SimulatorReply(**r.as_json()) for r in replies])

    @app.post("/webhooks/twilio")
    async def twilio_webhook(request: Request, background: BackgroundTasks) -> Response:
        """An inbound SMS. Answered at once; the replies go out through Twilio's REST API."""
        sms: TwilioSms | None = request.app.state.sms
        if sms is None:
            raise HTTPException(status_code=404, detail="SMS is not configured")
        form = await _form(request)
        if not sms.is_signed(form, request.headers.get("X-Twilio-Signature")):
            raise HTTPException(status_code=403, detail="invalid signature")
        try:
            inbound = sms.parse(form)
        except MalformedWebhookError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        conversations: Conversations = request.app.state.conversations
        if conversations.claim(Channel.SMS, inbound.sid):
            message = Inbound(Channel.SMS, inbound.sender, inbound.text)
            background.add_task(_converse, conversations, message)
        return Response(EMPTY_TWIML, media_type="text/xml")

    @app.post("/webhooks/telegram")
    async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
        """A Telegram update. Answered at once; replies go out through the Bot API."""
        telegram: TelegramChannel | None = request.app.state.telegram
        if telegram is None:
            raise HTTPException(status_code=404, detail="Telegram is not configured")
        if not telegram.has_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
            raise HTTPException(status_code=403, detail="invalid secret token")
        body = await _body(request)
        try:
            data = _json_object(body)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="the body is not a JSON object") from exc
        background.add_task(_telegram_update, request.app, data)
        return Response(status_code=200)

    return app


def _prepare_directory(db: Database, settings: Settings) -> None:
    """Demo listings in development (so everything can be tried); never in production."""
    with db.session() as session:
        if settings.environment is Environment.PRODUCTION:
            if has_demo_listings(session):
                raise RuntimeError(
                    "demo listings are in the service directory: remove them before production "
                    "(rahnuma services export, then import only verified listings)"
                )
            return
        gazetteer = load_gazetteer(settings.gazetteer_file)
        seeded = seed_demo(session, settings.seed_services_file, gazetteer, today=date.today())
    if seeded:
        log.info("loaded or refreshed %d demo listings (development only)", seeded)


def _channels(
    settings: Settings, transports: Transports
) -> tuple[TwilioSms | None, TelegramChannel | None]:
    sms = None
    if settings.twilio_account_sid and settings.twilio_auth_token:
        http = transports.twilio_http
        if http is None and settings.twilio_api_url:
            http = RedirectedHttpClient(settings.twilio_api_url)
        sms = TwilioSms(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            webhook_url=f"{settings.public_url.rstrip('/')}/webhooks/twilio",
            http_client=http,
        )
    telegram = None
    if settings.telegram_bot_token:
        telegram = TelegramChannel(
            token=settings.telegram_bot_token,
            secret=settings.telegram_webhook_secret,
            base_url=settings.telegram_api_url,
            request=transports.telegram_request,
        )
    return sms, telegram


async def _converse(conversations: Conversations, inbound: Inbound) -> None:
    try:
        outcome = await conversations.handle(inbound)
        await conversations.outbox.deliver(outcome)
    except Exception:  # a background task has no caller to report to
        log.exception("could not answer an inbound %s message", inbound.channel)


async def _telegram_update(app: FastAPI, data: dict[str, object]) -> None:
    telegram: TelegramChannel = app.state.telegram
    conversations: Conversations = app.state.conversations
    try:
        update = telegram.parse(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # python-telegram-bot trusts the Bot API's shapes; a forged-but-authenticated or
        # corrupted update can break it in any of these ways.
        log.warning("unreadable Telegram update: %s", type(exc).__name__)
        return
    if update is None or not conversations.claim(Channel.TELEGRAM, str(update.update_id)):
        return
    await telegram.answer_button(data)
    if update.text is None:
        inbound = Inbound(Channel.TELEGRAM, update.chat_id, "", update.message_id)
        try:
            await conversations.outbox.deliver(
                await conversations.notice(inbound, "telegram.not_text")
            )
        except Exception:
            log.exception("could not answer a Telegram message that wasn't text")
        return
    await _converse(
        conversations, Inbound(Channel.TELEGRAM, update.chat_id, update.text, update.message_id)
    )


async def _redeliver_forever(conversations: Conversations, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.redelivery_interval_seconds)
        try:
            if conversations.pending_count() and await conversations.engine.is_healthy():
                answered = await conversations.redeliver_pending()
                if answered:
                    log.info("answered %d kept messages", answered)
        except Exception:
            log.exception("redelivery failed; will retry")


async def _close_silent_forever(desk: HandoffDesk) -> None:
    while True:
        await asyncio.sleep(SILENCE_CHECK_SECONDS)
        try:
            closed = await desk.close_silent()
            if closed:
                log.info("closed %d silent tickets", closed)
        except Exception:
            log.exception("closing silent tickets failed; will retry")


async def _purge_forever(db: Database, trackers: TrackerStore, settings: Settings) -> None:
    """Retention (docs/privacy.md): soon after start, then every hour."""
    await asyncio.sleep(PURGE_FIRST_DELAY_SECONDS)
    while True:
        try:
            await asyncio.to_thread(
                purge, db, trackers, retention=timedelta(days=settings.retention_days)
            )
        except Exception:
            log.exception("retention purge failed; will retry")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


async def _body(request: Request) -> bytes:
    if int(request.headers.get("content-length") or 0) > MAX_WEBHOOK_BYTES:
        raise HTTPException(status_code=413, detail="request too large")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise HTTPException(status_code=413, detail="request too large")
    return body


async def _form(request: Request) -> dict[str, str]:
    """The form as Twilio signed it: every field once, as text."""
    body = await _body(request)
    # Undecodable bytes can't carry a valid signature: they fail the signature check (403).
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _json_object(body: bytes) -> dict[str, object]:
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def _conversations(request: Request) -> Conversations:
    conversations: Conversations = request.app.state.conversations
    return conversations
