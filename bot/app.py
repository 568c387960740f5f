"""The gateway's composition root: it builds the parts and wires them to FastAPI.

Every route lives with what it serves: the webhooks with their channels, the simulator in
`channels/simulator.py`, `/healthz` in `ops/health.py`, the console's pages in `console/`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from telegram.request import BaseRequest
from twilio.http import HttpClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.channels import Outbox, Sender, SimulatedChannel, simulator
from bot.channels import sms as sms_channel
from bot.channels import telegram as telegram_channel
from bot.channels.inbox import Inbox
from bot.channels.sms import RedirectedHttpClient, TwilioSms
from bot.channels.telegram import TelegramChannel, receive_update
from bot.channels.twilio_records import TwilioRecords
from bot.config import Environment, Settings, get_settings
from bot.console import CONSOLE_STATIC, console_router, install_console_handlers, security_headers
from bot.conversation.answering import Answering
from bot.conversation.danger import DangerLexicon
from bot.conversation.keywords import KeywordMatcher
from bot.conversation.service import Conversations
from bot.dialogue_engine import DialogueEngine
from bot.directory import load_gazetteer
from bot.directory.demo import has_demo_listings, seed_demo
from bot.editing.publish import ensure_published
from bot.handoff.desk import HandoffDesk
from bot.learning.review import UnrecognisedLog
from bot.logs import configure_logging
from bot.ops import health
from bot.ops.body_limit import BodyLimit
from bot.ops.chores import start_chores, stop_chores
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault
from bot.store import Database
from bot.store.locks import PersonLocks
from bot.store.roles import grant_action_server
from bot.wording.catalogs import Catalogs
from bot.wording.language_guess import trained_guesser
from bot.wording.preview import organisation_problems
from bot.wording.render import Channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transports:
    """The seams where tests put fakes of Twilio's and Telegram's servers (and the engine's)."""

    twilio_http: HttpClient | None = None
    telegram_request: BaseRequest | None = None
    engine_http: httpx.AsyncBaseTransport | None = None


def create_app(settings: Settings | None = None, transports: Transports | None = None) -> FastAPI:
    settings = settings or get_settings()
    transports = transports or Transports()
    configure_logging()
    # The schema names every route and field: only a developer's own machine shows it.
    schema = "/openapi.json" if settings.environment is Environment.DEVELOPMENT else None
    app = FastAPI(
        title="Rahnuma gateway",
        lifespan=partial(_lifespan, settings=settings, transports=transports),
        docs_url="/docs" if schema else None,
        redoc_url=None,
        openapi_url=schema,
    )
    if settings.environment is Environment.PRODUCTION and (
        problems := organisation_problems(settings)
    ):
        raise ValueError("; ".join(problems))  # the first reply would break rules 8 and 12
    if settings.simulator_enabled and settings.environment is Environment.PRODUCTION:
        log.warning("the simulator is on in production (RAHNUMA_SIMULATOR_ENABLED)")
    app.state.settings = settings
    for router in (health.router, simulator.router, sms_channel.router, telegram_channel.router):
        app.include_router(router)
    app.include_router(console_router(settings))
    app.mount("/console/static", StaticFiles(directory=CONSOLE_STATIC), name="console-static")
    install_console_handlers(app)
    app.middleware("http")(security_headers)
    app.add_middleware(BodyLimit)  # outside the handlers: a large body is refused unread
    if settings.trusted_proxies:
        # Added last, so it runs first: every handler sees the real client (docs/deploy.md).
        trusted = [host.strip() for host in settings.trusted_proxies.split(",") if host.strip()]
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    return app


@asynccontextmanager
async def _lifespan(
    app: FastAPI, *, settings: Settings, transports: Transports
) -> AsyncIterator[None]:
    db = Database(settings.database_url)
    db.migrate()
    if settings.actions_db_role:  # the action server's own role: only what its actions use
        grant_action_server(db, settings.actions_db_role)
    _prepare_directory(db, settings)
    async with httpx.AsyncClient(transport=transports.engine_http) as client:
        _wire(app, settings, transports, db, client)
        state = app.state
        if state.telegram:
            on_update = partial(receive_update, state.telegram, state.intake)
            await state.telegram.start(_telegram_webhook_url(settings), on_update)
        chores = start_chores(state.intake, state.desk, state.engine, settings, state.sms)
        try:
            yield
        finally:
            await stop_chores(chores)
            state.conversations.stop_waiting_work()
            if state.telegram:
                await state.telegram.stop()
    db.engine.dispose()


def _wire(
    app: FastAPI,
    settings: Settings,
    transports: Transports,
    db: Database,
    client: httpx.AsyncClient,
) -> None:
    """Every part, built once, on `app.state` where the routes find them."""
    trained_guesser()  # learnt now, not while a first message waits
    sms, telegram = _channels(settings, transports)
    if sms:
        sms.records = TwilioRecords(db, sms.client, timedelta(days=settings.retention_days))
    senders: dict[str, Sender] = {}
    if sms:
        senders[Channel.SMS] = sms
    if telegram:
        senders[Channel.TELEGRAM] = telegram
    simulated = SimulatedChannel()
    engine = DialogueEngine(
        settings.rasa_url, settings.rasa_token, settings.engine_timeout_seconds, client
    )
    catalogs = Catalogs(ensure_published(settings, db), settings.default_language)
    vault, locks = Vault(settings.address_key), PersonLocks()
    outbox = Outbox(db=db, senders=senders, simulated=simulated, vault=vault,
                    kept_for=timedelta(days=settings.retention_days))  # fmt: skip
    silence = timedelta(hours=settings.handoff_silence_hours)
    desk = HandoffDesk(db=db, vault=vault, catalogs=catalogs, outbox=outbox, engine=engine,
                       locks=locks, silence=silence)  # fmt: skip
    unrecognised = UnrecognisedLog(
        db, vault, load_gazetteer(settings.gazetteer_file), settings.dialogues_dir / "data" / "nlu"
    )
    app.state.conversations = Conversations(
        db=db,
        trackers=TrackerStore(settings.tracker_db_url),
        catalogs=catalogs,
        keywords=KeywordMatcher.from_file(settings.content_dir / "keywords.yml"),
        danger=DangerLexicon.from_file(settings.content_dir / "danger.yml"),
        engine=engine,
        vault=vault,
        outbox=outbox,
        desk=desk,
        locks=locks,
        pseudonym_key=settings.pseudonym_key,
        default_language=settings.default_language,
        unrecognised=unrecognised,
    )
    app.state.db, app.state.http, app.state.engine, app.state.desk = db, client, engine, desk
    app.state.intake = Answering(app.state.conversations, Inbox(db, vault))
    app.state.simulated = simulated
    app.state.sms, app.state.telegram = sms, telegram


def _telegram_webhook_url(settings: Settings) -> str | None:
    """With a public URL, Telegram calls our webhook; without one, we poll (development)."""
    return f"{settings.public_url.rstrip('/')}/webhooks/telegram" if settings.public_url else None


def _prepare_directory(db: Database, settings: Settings) -> None:
    """Demo listings in development and the tests (so everything can be tried); never in
    production, the default when RAHNUMA_ENVIRONMENT names nothing else."""
    with db.session() as session:
        if not settings.environment.local:
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
