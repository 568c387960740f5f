"""Staff accounts, for admins: add one, enable or disable one, reset its password or its
two-step sign-in (each of which signs it out everywhere). A password an admin typed is only
ever a temporary one: the account must choose its own at its next sign-in."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bot.console import audit
from bot.console.access import Staff, checked_form, need
from bot.console.auth import (
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    SignedIn,
    add_staff,
    all_staff,
    end_all_sessions,
    set_password,
)
from bot.console.dependencies import Db, RowId
from bot.console.rendering import page
from bot.console.two_factor import reset_two_factor
from bot.store import Database, Role, StaffMember

router = APIRouter()

# What `?done=` says after a change on the staff page.
NOTICES = {
    "added": "Account added.",
    "saved": "Saved.",
    "policy": f"Not added: a password needs at least {MIN_PASSWORD_LENGTH} characters.",
    "invalid": "Not added: the username is taken or has characters other than "
    "letters, digits, '.', '-' and '_', or the role is unknown.",
    "reset": "Password reset: the account was signed out everywhere and must choose a new "
    "password at its next sign-in.",
    "reset-policy": f"Not reset: a password needs at least {MIN_PASSWORD_LENGTH} characters.",
    "two-factor-reset": "Two-step sign-in reset: the account was signed out everywhere; its "
    "authenticator app and recovery codes no longer work, and it sets up a new one at its "
    "next sign-in where that is required.",
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
        # Hashing in a worker thread keeps argon2 off the event loop (see sign_in.py).
        await run_in_threadpool(_add, db, me, form, role)
    except PasswordPolicyError:
        return RedirectResponse("/console/staff?done=policy", status_code=303)
    except ValueError:
        return RedirectResponse("/console/staff?done=invalid", status_code=303)
    return RedirectResponse("/console/staff?done=added", status_code=303)


def _add(db: Database, me: SignedIn, form: dict[str, str], role: Role) -> None:
    with db.session() as session:
        added = add_staff(
            session,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            role=role,
            password=form.get("password", ""),
            must_change=True,  # the admin knows this one: the person chooses their own
        )
        audit.record(session, me.staff, "added staff", detail=f"{added.username} ({role})")


@router.post("/staff/{staff_id}/password")
async def staff_reset(request: Request, staff_id: RowId, me: Staff, db: Db) -> RedirectResponse:
    """A temporary password for someone who forgot theirs (or whose may be known): they are
    signed out everywhere and must choose their own at the next sign-in."""
    need(me, Role.ADMIN)
    form = await checked_form(request, me)
    if staff_id == me.staff.id:
        raise HTTPException(status_code=400, detail="change your own password on its page")
    try:
        await run_in_threadpool(_reset, db, me, staff_id, form.get("password", "")[:256])
    except PasswordPolicyError:
        return RedirectResponse("/console/staff?done=reset-policy", status_code=303)
    return RedirectResponse("/console/staff?done=reset", status_code=303)


def _reset(db: Database, me: SignedIn, staff_id: int, password: str) -> None:
    with db.session() as session:
        member = session.get(StaffMember, staff_id)
        if member is None:
            raise HTTPException(status_code=404)
        set_password(member, password, must_change=True)
        end_all_sessions(session, member.id)
        audit.record(session, me.staff, "reset password", detail=member.username)


@router.post("/staff/{staff_id}/two-factor")
async def staff_two_factor_reset(
    request: Request, staff_id: RowId, me: Staff, db: Db
) -> RedirectResponse:
    """For someone who lost their phone and their recovery codes (or whose phone someone
    else may have): its secret and codes are gone and its sessions ended."""
    need(me, Role.ADMIN)
    await checked_form(request, me)
    if staff_id == me.staff.id:
        raise HTTPException(status_code=400, detail="another admin resets yours")
    with db.session() as session:
        member = session.get(StaffMember, staff_id)
        if member is None:
            raise HTTPException(status_code=404)
        reset_two_factor(session, member)
        end_all_sessions(session, member.id)
        audit.record(session, me.staff, "reset two-factor", detail=member.username)
    return RedirectResponse("/console/staff?done=two-factor-reset", status_code=303)


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
