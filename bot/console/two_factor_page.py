"""A staff member's own two-step sign-in: set it up with an authenticator app, move it to a
new phone, and get new recovery codes. Where the policy requires it (workers and admins in
production), no other page opens until it is on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import audit, auth
from bot.console.access import (
    TWO_FACTOR_PAGE,
    Staff,
    caller,
    checked_form,
    needs_two_factor,
    start_page,
)
from bot.console.auth import (
    LoginRefusedError,
    SignedIn,
    count_failure,
    end_all_sessions,
    failure_secret,
    guard,
)
from bot.console.dependencies import AppSettings, Db, Sealing
from bot.console.rendering import page
from bot.console.two_factor import (
    check_code,
    confirm_enrolment,
    grouped,
    pending_secret,
    provisioning_uri,
    qr_svg,
    recovery_codes_left,
    replace_recovery_codes,
    start_enrolment,
)
from bot.privacy.identity import Vault
from bot.store import Database, StaffMember

router = APIRouter()

# What `?done=` says after a try on the two-step sign-in page.
NOTICES = {
    "wrong": "Nothing changed: that code is wrong or was already used. Type the newest code "
    "your app shows.",
    "wait": "Nothing changed: several wrong codes or passwords for this account lately. Wait "
    "a minute, then try again.",
    "recovery-used": "You signed in with a recovery code; it can't be used again. "
    "Recovery codes left: {left}. Running out? Make new ones below.",
}


@router.get("/two-factor")
async def two_factor_page(
    request: Request, me: Staff, db: Db, vault: Sealing, settings: AppSettings, done: str = ""
) -> Response:
    with db.session() as session:
        staff = session.get(StaffMember, me.staff.id) or me.staff
        secret = pending_secret(staff, vault)
        left = recovery_codes_left(session, staff.id)
    return page(
        request,
        "two_factor.html",
        me,
        enrolled=staff.two_factor,
        enrolled_at=staff.totp_enrolled_at,
        required=needs_two_factor(staff, settings),
        secret=grouped(secret) if secret else "",
        uri=provisioning_uri(secret, staff.username) if secret else "",
        left=left,
        notice=NOTICES.get(done, "").format(left=left),
    )


@router.get("/two-factor/qr.svg")
async def two_factor_qr(me: Staff, db: Db, vault: Sealing) -> Response:
    """The set-up's QR code, as an image: the page's CSP allows no inline image data."""
    with db.session() as session:
        staff = session.get(StaffMember, me.staff.id)
        secret = pending_secret(staff, vault) if staff else None
    if staff is None or secret is None:
        return Response(status_code=404)
    return Response(qr_svg(provisioning_uri(secret, staff.username)), media_type="image/svg+xml")


@router.post("/two-factor/start")
async def two_factor_start(
    request: Request, me: Staff, db: Db, vault: Sealing, settings: AppSettings
) -> Response:
    """A new secret to scan. Moving an account that has one to another phone needs a code
    from the old one (or a recovery code): a borrowed session alone can't take it over."""
    form = await checked_form(request, me)
    with db.session() as session:
        staff = session.get(StaffMember, me.staff.id)
        if staff is None:
            return _back("wrong")
        if staff.two_factor:
            problem = _prove(session, staff, vault, request, form.get("code", ""), settings)
            if problem:
                return _back(problem)
        start_enrolment(staff, vault)
        audit.record(session, staff, "started two-factor set-up")
    return RedirectResponse(TWO_FACTOR_PAGE, status_code=303)


@router.post("/two-factor/confirm")
async def two_factor_confirm(request: Request, me: Staff, db: Db, vault: Sealing) -> Response:
    """The first code from the new secret turns it on; the recovery codes are shown once."""
    form = await checked_form(request, me)
    codes = _confirm(db, vault, me, form.get("code", "")[:64])
    if codes is None:
        return _back("wrong")
    return _recovery_codes_page(request, me, codes, turned_on=True)


def _confirm(db: Database, vault: Vault, me: SignedIn, code: str) -> list[str] | None:
    with db.session() as session:
        staff = session.get(StaffMember, me.staff.id)
        codes = confirm_enrolment(session, staff, vault, code) if staff else None
        if staff is None or codes is None:
            return None
        # Whoever was signed in elsewhere with the password alone is signed out.
        end_all_sessions(session, staff.id, keep=me.token_hash)
        audit.record(session, staff, "turned on two-factor")
    return codes


@router.post("/two-factor/recovery-codes")
async def two_factor_new_codes(
    request: Request, me: Staff, db: Db, vault: Sealing, settings: AppSettings
) -> Response:
    """Ten new recovery codes in place of the old ones, for a current code."""
    form = await checked_form(request, me)
    with db.session() as session:
        staff = session.get(StaffMember, me.staff.id)
        if staff is None or staff.totp_sealed is None:
            return _back("wrong")
        problem = _prove(session, staff, vault, request, form.get("code", ""), settings)
        if problem:
            return _back(problem)
        codes = replace_recovery_codes(session, staff, vault.open(staff.totp_sealed))
        audit.record(session, staff, "new recovery codes")
    return _recovery_codes_page(request, me, codes)


def _prove(
    session: Session, staff: StaffMember, vault: Vault, request: Request, code: str,
    settings: Settings,
) -> str:  # fmt: skip
    """Empty when `code` is the account's current code (or a recovery code, used up);
    otherwise the notice to show. Wrong codes count towards the account's sign-in delays."""
    now = auth.clock()
    secret = failure_secret(settings.pseudonym_key)
    try:
        keys = guard(
            session, caller(request, staff.username, signed_in=True), secret=secret, now=now
        )
    except LoginRefusedError:
        return "wait"
    if check_code(session, staff, vault, code[:64], now) is None:
        count_failure(session, keys, now)
        audit.record(session, staff, "two-factor code wrong")
        return "wrong"
    return ""


def _recovery_codes_page(
    request: Request, me: SignedIn, codes: list[str], *, turned_on: bool = False
) -> Response:
    """Shown once, in answer to the form: nothing keeps the codes to show them again."""
    return page(
        request,
        "two_factor_codes.html",
        me,
        codes=codes,
        turned_on=turned_on,
        next_page=start_page(me.staff.role),
    )


def _back(done: str) -> RedirectResponse:
    return RedirectResponse(f"{TWO_FACTOR_PAGE}?done={done}", status_code=303)
