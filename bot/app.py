"""The gateway: FastAPI application factory, simulator and health endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import text

from bot.config import Settings, get_settings
from bot.conversation import Conversations, Inbound
from bot.engine import Engine
from bot.erasure import TrackerStore
from bot.i18n import Catalogs
from bot.identity import AddressVault
from bot.keywords import KeywordMatcher
from bot.render import Channel
from bot.store import Database

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096  # Telegram's own limit; an SMS is far shorter


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        db.create_all()
        async with httpx.AsyncClient() as client:
            app.state.db = db
            app.state.http = client
            app.state.settings = settings
            app.state.engine = Engine(
                settings.rasa_url, settings.rasa_token, settings.engine_timeout_seconds, client
            )
            app.state.conversations = Conversations(
                db=db,
                trackers=TrackerStore(settings.tracker_db_url),
                catalogs=Catalogs(settings.locales_dir, settings.default_language),
                keywords=KeywordMatcher.from_file(settings.content_dir / "keywords.yml"),
                engine=app.state.engine,
                vault=AddressVault(settings.address_key),
                pseudonym_key=settings.pseudonym_key,
                default_language=settings.default_language,
            )
            yield
        db.engine.dispose()

    app = FastAPI(title="Rahnuma gateway", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, object]:
        """Status of each part; `ok` only when all are up."""
        state = request.app.state
        engine_ok = await state.engine.is_healthy()
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
        }

    @app.post("/simulator/messages", response_model=SimulatorResponse)
    async def simulate(
        message: SimulatorMessage, conversations: Annotated[Conversations, Depends(_conversations)]
    ) -> SimulatorResponse:
        """Talk to the bot as a survivor would, and see exactly what that channel would send."""
        if not settings.simulator_enabled:
            raise HTTPException(status_code=404)
        replies = await conversations.handle(
            Inbound(Channel(message.channel), message.sender, message.text)
        )
        return SimulatorResponse(replies=[SimulatorReply(**r.as_json()) for r in replies])  # type: ignore[arg-type]

    return app


def _conversations(request: Request) -> Conversations:
    conversations: Conversations = request.app.state.conversations
    return conversations
