"""The editors' preview: a conversation with the real engine and actions, read with the
wording of every open draft, as an SMS phone or a Telegram chat, in any language.

The previewed person is a simulated one of its own (nothing is sent to a provider), the
actions open no ticket for it, what the editor types is never kept for learning, and
"Start again" erases it like DELETE would.
"""

from __future__ import annotations

import re
import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from bot.channels.base import Inbound
from bot.console.access import Staff, checked_form, need
from bot.console.dependencies import AppSettings, Db
from bot.console.rendering import page
from bot.conversation.service import PREVIEW_PREFIX, Conversations, Preview
from bot.editing.draft_wording import draft_catalogs
from bot.editing.drafts import languages, open_drafts
from bot.privacy.erasure import erase_person
from bot.privacy.identity import pseudonym
from bot.store import Role
from bot.wording.render import Channel

router = APIRouter()
EDITING = (Role.EDITOR, Role.ADMIN)
NAMES = {"en": "English", "ur": "Urdu", "ur_Latn": "Roman Urdu"}
CHANNELS = {"sms": "SMS phone", "telegram": "Telegram"}
_SESSION = re.compile(r"[0-9a-f]{16}")
MAX_TEXT = 1000


@router.get("/preview")
async def preview_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, language: str = "en",
    channel: str = "sms",
) -> Response:  # fmt: skip
    need(me, *EDITING)
    codes = languages(settings.locales_dir)
    language = language if language in codes else codes[0]
    channel = channel if channel in CHANNELS else "sms"
    with db.session() as session:
        drafts = len(open_drafts(session))
    return page(request, "preview.html", me, languages=codes, names=NAMES, channels=CHANNELS,
                language=language, channel=channel, drafts=drafts,
                session_id=secrets.token_hex(8))  # fmt: skip


@router.post("/preview/say")
async def preview_say(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    need(me, *EDITING)
    form = await checked_form(request, me)
    language, channel, address = _checked(form, settings, me.staff.id)
    text = form.get("text", "")[:MAX_TEXT]
    if not text.strip():
        raise HTTPException(status_code=422, detail="type a message to send")
    with db.session() as session:
        drafts = open_drafts(session)
    wording = draft_catalogs(settings.locales_dir, drafts)
    conversations: Conversations = request.app.state.conversations
    outcome = await conversations.preview(
        Inbound(Channel(channel), address, text), Preview(wording, language)
    )
    return JSONResponse({"replies": [reply.as_json() for reply in outcome.replies],
                         "drafts": len(drafts)})  # fmt: skip


@router.post("/preview/end")
async def preview_end(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    """Start again: the previewed person is erased everywhere, as DELETE would."""
    need(me, *EDITING)
    form = await checked_form(request, me)
    _, channel, address = _checked(form, settings, me.staff.id)
    conversations: Conversations = request.app.state.conversations
    erase_person(db, conversations.trackers, pseudonym(settings.pseudonym_key, channel, address))
    return JSONResponse({"ended": True})


def _checked(form: dict[str, str], settings: AppSettings, staff_id: int) -> tuple[str, str, str]:
    """Language, channel and the previewed person's address (one per editor and session)."""
    language, channel, session = (form.get(name, "") for name in ("language", "channel", "session"))
    if language not in languages(settings.locales_dir):
        raise HTTPException(status_code=422, detail="unknown language")
    if channel not in CHANNELS:
        raise HTTPException(status_code=422, detail="unknown channel")
    if not _SESSION.fullmatch(session):
        raise HTTPException(status_code=422, detail="reload the page to start a preview")
    return language, channel, f"{PREVIEW_PREFIX}{staff_id}:{session}"
