"""Staff sign-in: argon2 password hashes, server-side sessions, CSRF tokens, login limits.

Sessions live in the database (any gateway process can check them, an admin can end
them); the cookie holds a random token and the database only its SHA-256. A new session
is made at every sign-in, so a planted cookie is worthless (session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.store import LoginFailure, Role, StaffMember, StaffSession
from bot.store.models import as_utc, utcnow

MIN_PASSWORD_LENGTH = 12
# Password guessing: an account locks after this many failures within the window, and a
# client (IP address) is refused after more, whichever account it tries.
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class PasswordPolicyError(ValueError):
    pass


@dataclass(frozen=True)
class SignedIn:
    """A valid session: who, and the CSRF token their forms must carry."""

    staff: StaffMember
    token_hash: str
    csrf_token: str


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"a staff password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    return _hasher.hash(password)


def add_staff(
    session: Session, *, username: str, display_name: str, role: Role, password: str
) -> StaffMember:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValueError("a username is letters, digits, '.', '-' or '_'")
    if session.scalar(select(StaffMember).where(StaffMember.username == username)):
        raise ValueError(f"the username {username!r} is taken")
    staff = StaffMember(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: StaffMember, password: str) -> None:
    staff.password_hash = hash_password(password)


def all_staff(session: Session) -> list[StaffMember]:
    """Every account, enabled or not, by username: what an admin manages."""
    return list(session.scalars(select(StaffMember).order_by(StaffMember.username)))


def staff_names(session: Session) -> dict[int, str]:
    """Display names by id: who claimed a ticket, who wrote a line of it."""
    rows = session.execute(select(StaffMember.id, StaffMember.display_name))
    return {staff_id: name for staff_id, name in rows}


def _failure_key(kind: str, value: str) -> str:
    # Hashed: the table of failures holds no usernames or IP addresses.
    return hashlib.sha256(f"{kind}:{value.lower()}".encode()).hexdigest()


def _recent_failures(session: Session, key: str, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.key == key, LoginFailure.failed_at >= now - FAILURE_WINDOW
            )
        )
        or 0
    )


class LoginRefusedError(Exception):
    """Too many failures; `reason` says which limit, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_password(
    session: Session, username: str, password: str, client: str, now: datetime | None = None
) -> StaffMember | None:
    """The staff member when the password is right; None when wrong (and counted).

    Raises LoginRefusedError while a limit holds, before looking at the password.
    """
    now = now or utcnow()
    username = username.strip().lower()
    client_key, account_key = _failure_key("ip", client), _failure_key("user", username)
    if _recent_failures(session, client_key, now) >= FAILURES_PER_CLIENT:
        raise LoginRefusedError("client")
    if _recent_failures(session, account_key, now) >= FAILURES_PER_ACCOUNT:
        raise LoginRefusedError("account")
    staff = session.scalar(select(StaffMember).where(StaffMember.username == username))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
        ok = staff is not None and staff.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or staff is None:
        session.add_all(
            [
                LoginFailure(key=client_key, failed_at=now),
                LoginFailure(key=account_key, failed_at=now),
            ]
        )
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    session.execute(delete(LoginFailure).where(LoginFailure.key == account_key))
    staff.last_login_at = now
    return staff


def forget_old_failures(session: Session, now: datetime | None = None) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.failed_at < (now or utcnow()) - FAILURE_WINDOW)
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, staff: StaffMember) -> str:
    """A new session; returns the cookie's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def find_session(
    session: Session,
    token: str | None,
    *,
    idle: timedelta,
    lifetime: timedelta,
    touch: bool = True,
    now: datetime | None = None,
) -> SignedIn | None:
    """The session behind a cookie, if it is valid; expired sessions are deleted."""
    if not token:
        return None
    now = now or utcnow()
    stored = session.get(StaffSession, _token_hash(token))
    if stored is None:
        return None
    staff = session.get(StaffMember, stored.staff_id)
    expired = now - as_utc(stored.last_seen_at) > idle or now - as_utc(stored.created_at) > lifetime
    if expired or staff is None or not staff.active:
        session.delete(stored)
        return None
    if touch:
        stored.last_seen_at = now
    return SignedIn(staff, stored.token_hash, stored.csrf_token)


def end_all_sessions(session: Session, staff_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
