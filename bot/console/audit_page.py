"""The audit log, for admins: who viewed or changed what, and when (newest first, in pages)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.console import audit
from bot.console.access import Staff, need
from bot.console.dependencies import AfterId, Db
from bot.console.rendering import page
from bot.store import Role

router = APIRouter()


@router.get("/audit")
async def audit_page(
    request: Request,
    me: Staff,
    db: Db,
    before: AfterId | None = None,
) -> Response:
    need(me, Role.ADMIN)
    with db.session() as session:
        entries = audit.latest(session, before=before)
        audit.record(session, me.staff, "viewed audit log")
    return page(request, "audit.html", me, entries=entries)
