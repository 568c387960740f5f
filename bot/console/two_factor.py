"""Two-step sign-in: after the password, a code from an authenticator app (TOTP, RFC 6238,
computed by pyotp) or one of ten one-time recovery codes.

The TOTP secret is kept only sealed with the address key (the Vault): whoever copies the
database alone can't compute anyone's codes. A code is accepted once: the time step it
belongs to is kept, and that step and every earlier one are refused afterwards. Recovery
codes are kept as HMACs keyed with the account's TOTP secret, which a database copy lacks,
which survives a key rotation (it is sealed again, not changed), and which a new
enrolment changes, so old codes die with the old authenticator.

Between the password and the code the browser holds a pending sign-in: a random token whose
hash is stored with the account, valid for a few minutes, with a CSRF token of its own. It
is not a session: no page opens with it.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import pyotp
import segno
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.console import auth
from bot.console.auth import hash_token
from bot.privacy.identity import Vault
from bot.store import PendingSignIn, RecoveryCode, StaffMember
from bot.store.models import as_utc

ISSUER = "Rahnuma console"  # what the authenticator app shows above the code
# A code from the step before or after the server's too: phones' clocks drift a little.
VALID_WINDOW = 1
RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 10  # 80 bits: 16 characters, shown in groups of four
PENDING_LIFETIME = timedelta(minutes=5)


def new_secret() -> str:
    """A fresh TOTP secret, base32 (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32()


def grouped(text: str, size: int = 4) -> str:
    """A long secret or code in groups, to read and type without losing one's place."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The otpauth:// address as a QR code, an SVG image (segno: pure Python)."""
    image = io.BytesIO()
    segno.make(uri, error="m").save(image, kind="svg", scale=5, xmldecl=False)
    return image.getvalue()


def start_enrolment(staff: StaffMember, vault: Vault) -> str:
    """A new secret waiting for its first code; the current one (if any) works until then."""
    secret = new_secret()
    staff.totp_pending_sealed = vault.seal(secret)
    return secret


def pending_secret(staff: StaffMember, vault: Vault) -> str | None:
    return vault.open(staff.totp_pending_sealed) if staff.totp_pending_sealed else None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is, within the window; None for any other code."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(
            code, for_time=now, valid_window=VALID_WINDOW
        )
    except pyotp.exceptions.OTPVerificationError:
        return None


def confirm_enrolment(
    session: Session, staff: StaffMember, vault: Vault, code: str, now: datetime | None = None
) -> list[str] | None:
    """Turn two-step sign-in on (or move it to the new secret) when `code` comes from the
    pending secret; returns the new recovery codes, to be shown once. None: wrong code."""
    now = now or auth.clock()
    secret = pending_secret(staff, vault)
    step = None if secret is None else _matching_step(secret, _cleaned(code), now)
    if secret is None or step is None:
        return None
    staff.totp_sealed, staff.totp_pending_sealed = staff.totp_pending_sealed, None
    staff.totp_last_step = step  # a new secret: its history starts with this code
    staff.totp_enrolled_at = now
    session.execute(delete(PendingSignIn).where(PendingSignIn.staff_id == staff.id))
    return replace_recovery_codes(session, staff, secret)


def replace_recovery_codes(session: Session, staff: StaffMember, secret: str) -> list[str]:
    """Ten new one-time codes in place of any old ones; only their HMACs are stored."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = [
        base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(
        RecoveryCode(staff_id=staff.id, code_hash=_recovery_hash(secret, code)) for code in codes
    )
    return [grouped(code) for code in codes]


def recovery_codes_left(session: Session, staff_id: int) -> int:
    count = session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.staff_id == staff_id)
    )
    return count or 0


def _recovery_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), b"recovery code:" + code.encode(), "sha256").hexdigest()


def _cleaned(code: str) -> str:
    """What was typed, without the spaces and dashes people add (or phones insert)."""
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class Accepted:
    """A second factor that was right: which kind, so a recovery code can be told about."""

    recovery: bool


def check_code(
    session: Session, staff: StaffMember, vault: Vault, code: str, now: datetime | None = None
) -> Accepted | None:
    """Whether `code` is the account's current code or one of its recovery codes; either is
    used up. None for anything else (the caller counts the failure)."""
    if staff.totp_sealed is None:
        return None
    now = now or auth.clock()
    secret = vault.open(staff.totp_sealed)
    cleaned = _cleaned(code)
    step = _matching_step(secret, cleaned, now)
    if step is not None:
        return Accepted(recovery=False) if _claim_step(session, staff, step) else None
    used = session.execute(
        delete(RecoveryCode).where(
            RecoveryCode.staff_id == staff.id,
            RecoveryCode.code_hash == _recovery_hash(secret, cleaned),
        )
    )
    return Accepted(recovery=True) if _rows(used) == 1 else None


def _claim_step(session: Session, staff: StaffMember, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) already was. One conditional
    UPDATE, so that two gateways given the same code at once can't both accept it."""
    claimed = session.execute(
        update(StaffMember)
        .where(
            StaffMember.id == staff.id,
            or_(StaffMember.totp_last_step.is_(None), StaffMember.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if _rows(claimed) != 1:
        return False
    staff.totp_last_step = step
    return True


def _rows(result: object) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def reset_two_factor(session: Session, staff: StaffMember) -> None:
    """Two-step sign-in off, its secret and recovery codes gone (an admin's reset)."""
    staff.totp_sealed = staff.totp_pending_sealed = None
    staff.totp_last_step = None
    staff.totp_enrolled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    session.execute(delete(PendingSignIn).where(PendingSignIn.staff_id == staff.id))


def start_pending(session: Session, staff: StaffMember) -> str:
    """The right to give a code for a few minutes; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(
        PendingSignIn(
            token_hash=hash_token(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=auth.clock(),
        )
    )
    return token


def find_pending(
    session: Session, token: str | None, now: datetime | None = None
) -> tuple[PendingSignIn, StaffMember] | None:
    """The pending sign-in behind a cookie and its account, while both are still good."""
    if not token:
        return None
    pending = session.get(PendingSignIn, hash_token(token))
    if pending is None:
        return None
    staff = session.get(StaffMember, pending.staff_id)
    expired = (now or auth.clock()) - as_utc(pending.created_at) > PENDING_LIFETIME
    if expired or staff is None or not staff.active or not staff.two_factor:
        session.delete(pending)  # the rest of the expired ones go with the hourly purge
        return None
    return pending, staff


def end_pending(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(PendingSignIn).where(PendingSignIn.token_hash == hash_token(token)))
