"""What the pages take from the running gateway, as FastAPI dependencies.

bot/app.py keeps the gateway's parts on `app.state` (settings, db, desk). A page names the
ones it needs in its signature, so every page is a plain module-level function.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam

from bot.config import Settings
from bot.handoff.desk import HandoffDesk
from bot.privacy.identity import Vault
from bot.store import Database
from bot.wording.preview import load_trigger_words

MAX_ROW_ID = 2**31 - 1  # INTEGER keys on both databases: larger is refused, not a crash
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
AfterId = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def desk_of(request: Request) -> HandoffDesk:
    desk: HandoffDesk = request.app.state.desk
    return desk


def vault_of(request: Request) -> Vault:
    vault: Vault = request.app.state.conversations.vault
    return vault


AppSettings = Annotated[Settings, Depends(settings_of)]
Sealing = Annotated[Vault, Depends(vault_of)]
Db = Annotated[Database, Depends(db_of)]
Desk = Annotated[HandoffDesk, Depends(desk_of)]


@functools.cache
def trigger_words(content_dir: Path) -> list[str]:
    """What a locked phone must not show (rule 12): read once, when the console is set up."""
    return load_trigger_words(content_dir)


def triggers_of(settings: AppSettings) -> list[str]:
    return trigger_words(settings.content_dir)


Triggers = Annotated[list[str], Depends(triggers_of)]
