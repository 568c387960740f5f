"""Staff sign-in: argon2 password hashes, server-side sessions, CSRF tokens, login limits.

Sessions live in the database (any gateway process can check them, an admin can end
them); the cookie holds a random token and the database only its SHA-256. A new session
is made at every sign-in, so a planted cookie is worthless (session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.store import LoginFailure, Role, StaffMember, StaffSession
from bot.store.models import as_utc, utcnow

MIN_PASSWORD_LENGTH = 12
# Password guessing. An account is never locked: after a few failures each further try waits
# a little longer (capped), so its owner still gets in. A network (an IPv4 address, an IPv6
# /64) is refused after many failures, whichever accounts it tries; a browser that signed in
# to the account before (its device cookie) is spared both, until it fails a few times itself.
FREE_FAILURES_PER_ACCOUNT = 3
ACCOUNT_DELAY_FIRST = timedelta(seconds=2)
ACCOUNT_DELAY_CAP = timedelta(seconds=60)
FAILURES_PER_CLIENT = 20  # per network
FAILURES_PER_DEVICE = 5
FAILURE_WINDOW = timedelta(minutes=15)
DEVICE_COOKIE_DAYS = 90

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# argon2 takes 64 MiB and tens of milliseconds a hash: a few at a time, in worker threads.
_hashing = threading.BoundedSemaphore(4)


def clock() -> datetime:
    """Now, for sessions and sign-in limits; tests replace it to move time without sleeping."""
    return utcnow()


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
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; as slow for no account (None) as for a wrong password."""
    try:
        with _hashing:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    must_change: bool = False,
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
        must_change_password=must_change,
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: StaffMember, password: str, *, must_change: bool = False) -> None:
    """A new password (policy checked); `must_change` when someone else chose it."""
    staff.password_hash = hash_password(password)
    staff.must_change_password = must_change


def all_staff(session: Session) -> list[StaffMember]:
    """Every account, enabled or not, by username: what an admin manages."""
    return list(session.scalars(select(StaffMember).order_by(StaffMember.username)))


def staff_names(session: Session) -> dict[int, str]:
    """Display names by id: who claimed a ticket, who wrote a line of it."""
    rows = session.execute(select(StaffMember.id, StaffMember.display_name))
    return {staff_id: name for staff_id, name in rows}


def failure_secret(server_key: str) -> bytes:
    """The key of the failure table's hashes, derived from a server secret (the pseudonym key,
    which production refuses to run with a placeholder for) and used for nothing else."""
    return hmac.new(server_key.encode(), b"rahnuma console login failures", "sha256").digest()


def _failure_key(secret: bytes, kind: str, value: str) -> str:
    # Keyed: without the server's secret, nobody can try names or addresses against the table.
    return hmac.new(secret, f"{kind}:{value.lower()}".encode(), "sha256").hexdigest()


def network_of(client: str) -> str:
    """Whose guesses count together: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's, where every address is theirs to take)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client  # no address (a test client, a socket): counted as itself
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _recent_failures(session: Session, key: str, now: datetime) -> tuple[int, datetime | None]:
    """How many failures under a key within the window, and when the last one was."""
    count, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.failed_at)).where(
            LoginFailure.key == key, LoginFailure.failed_at >= now - FAILURE_WINDOW
        )
    ).one()
    return count or 0, as_utc(last) if last is not None else None


def account_delay(failures: int) -> timedelta:
    """How long an account's next try waits after its last failure: none for the first few,
    then doubling up to a cap, so that its owner is slowed down but never shut out."""
    if failures < FREE_FAILURES_PER_ACCOUNT:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES_PER_ACCOUNT, 16)
    return min(ACCOUNT_DELAY_FIRST * 2**doublings, ACCOUNT_DELAY_CAP)


class LoginRefusedError(Exception):
    """A limit holds; `reason` says which ("client" or "account"), `wait` for how long."""

    def __init__(self, reason: str, wait: timedelta = timedelta(0)) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


@dataclass(frozen=True)
class Attempt:
    """One try at signing in, as the form and the connection give it."""

    username: str
    password: str
    client: str  # the address the gateway sees (behind a trusted proxy, the real one)
    device: str | None = None  # the browser's device cookie, if it has one


def device_cookie(secret: bytes, username: str) -> str:
    """Given to a browser at sign-in: it proves this browser signed in to the account before."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_failure_key(secret, 'device-of:' + username.lower(), nonce)}"


def _trusted_device(session: Session, secret: bytes, attempt: Attempt, now: datetime) -> str | None:
    """The failure key of the browser's device, if it is one of the account's and has not
    itself been guessing; None for any other browser."""
    nonce, _, mac = (attempt.device or "").partition(".")
    expected = _failure_key(secret, "device-of:" + attempt.username, nonce)
    if not nonce or not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    key = _failure_key(secret, "device", nonce)
    return key if _recent_failures(session, key, now)[0] < FAILURES_PER_DEVICE else None


def _check_limits(session: Session, network_key: str, account_key: str, now: datetime) -> None:
    if _recent_failures(session, network_key, now)[0] >= FAILURES_PER_CLIENT:
        raise LoginRefusedError("client")
    failures, last = _recent_failures(session, account_key, now)
    if last is not None and (wait := last + account_delay(failures) - now) > timedelta(0):
        raise LoginRefusedError("account", wait)


def guard(session: Session, attempt: Attempt, *, secret: bytes, now: datetime) -> list[str]:
    """The keys a wrong try counts under (its network, the account, a trusted device).

    Raises LoginRefusedError while a limit holds. Every secret an account is asked for goes
    through here: the password at sign-in, the code after it, the current password on the
    password page, so that none of them is a way round the others' delays.
    """
    username = attempt.username.strip().lower()
    network_key = _failure_key(secret, "network", network_of(attempt.client))
    account_key = _failure_key(secret, "account", username)
    device_key = _trusted_device(session, secret, replace(attempt, username=username), now)
    if device_key is None:
        _check_limits(session, network_key, account_key, now)
    return [network_key, account_key] + ([device_key] if device_key else [])


def count_failure(session: Session, keys: list[str], now: datetime) -> None:
    session.add_all([LoginFailure(key=key, failed_at=now) for key in keys])


def check_password(
    session: Session, attempt: Attempt, *, secret: bytes, now: datetime | None = None
) -> StaffMember | None:
    """The staff member when the password is right; None when wrong (and counted).

    Raises LoginRefusedError while a limit holds, before looking at the password. Call it
    from a worker thread: argon2 is meant to be slow (see sign_in.py).
    """
    now = now or clock()
    keys = guard(session, attempt, secret=secret, now=now)
    username = attempt.username.strip().lower()
    staff = session.scalar(select(StaffMember).where(StaffMember.username == username))
    ok = verify_password(staff.password_hash if staff else None, attempt.password)
    if not ok or staff is None or not staff.active:
        count_failure(session, keys, now)
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        with _hashing:
            staff.password_hash = _hasher.hash(attempt.password)
    # The failures stay until they age out: were a success to wipe them, each of the owner's
    # sign-ins would hand a guesser a fresh set of free tries.
    return staff


def forget_old_failures(session: Session, now: datetime | None = None) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.failed_at < (now or clock()) - FAILURE_WINDOW)
    )


def hash_token(token: str) -> str:
    """What the database keeps of a cookie's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, staff: StaffMember) -> str:
    """A new session; returns the cookie's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = clock()
    staff.last_login_at = now
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == hash_token(token)))


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
    now = now or clock()
    stored = session.get(StaffSession, hash_token(token))
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


def end_all_sessions(session: Session, staff_id: int, *, keep: str | None = None) -> None:
    """Sign an account out everywhere; `keep` is the token hash of a session to spare."""
    query = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if keep is not None:
        query = query.where(StaffSession.token_hash != keep)
    session.execute(query)


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
