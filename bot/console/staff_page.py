"""Staff accounts, for admins: add one, enable or disable one (which signs it out everywhere)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.console import audit
from bot.console.access import Staff, checked_form, need
from bot.console.auth import (
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    add_staff,
    all_staff,
    end_all_sessions,
)
from bot.console.dependencies import Db, RowId
from bot.console.rendering import page
from bot.store import Role, StaffMember

router = APIRouter()

# What `?done=` says after a change on the staff page.
NOTICES = {
    "added": "Account added.",
    "saved": "Saved.",
    "policy": f"Not added: a password needs at least {MIN_PASSWORD_LENGTH} characters.",
    "invalid": "Not added: the username is taken or has characters other than "
    "letters, digits, '.', '-' and '_', or the role is unknown.",
}


@router.get("/staff")
async def staff_page(request: Request, me: Staff, db: Db, done: str = "") -> Response:
    need(me, Role.ADMIN)
    with db.session() as session:
        members = all_staff(session)
    return page(
        request,
        "staff.html",
        me,
        members=members,
        roles=list(Role),
        notice=NOTICES.get(done, ""),
    )


@router.post("/staff")
async def staff_add(request: Request, me: Staff, db: Db) -> Response:
    need(me, Role.ADMIN)
    form = await checked_form(request, me)
    try:
        role = Role(form.get("role", ""))
        with db.session() as session:
            added = add_staff(
                session,
                username=form.get("username", ""),
                display_name=form.get("display_name", ""),
                role=role,
                password=form.get("password", ""),
            )
            audit.record(session, me.staff, "added staff", detail=f"{added.username} ({role})")
    except PasswordPolicyError:
        return RedirectResponse("/console/staff?done=policy", status_code=303)
    except ValueError:
        return RedirectResponse("/console/staff?done=invalid", status_code=303)
    return RedirectResponse("/console/staff?done=added", status_code=303)


@router.post("/staff/{staff_id}/active")
async def staff_active(request: Request, staff_id: RowId, me: Staff, db: Db) -> RedirectResponse:
    need(me, Role.ADMIN)
    form = await checked_form(request, me)
    active = form.get("active") == "1"
    with db.session() as session:
        member = session.get(StaffMember, staff_id)
        if member is None:
            raise HTTPException(status_code=404)
        if member.id == me.staff.id and not active:
            raise HTTPException(status_code=400, detail="you can't disable your own account")
        member.active = active
        if not active:
            end_all_sessions(session, member.id)
        audit.record(
            session,
            me.staff,
            "enabled staff" if active else "disabled staff",
            detail=member.username,
        )
    return RedirectResponse("/console/staff?done=saved", status_code=303)
