"""Staff accounts, their sessions, two-step sign-in, failed logins and the console's audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText


class Role(StrEnum):
    WORKER = "worker"  # works the handoff queue
    EDITOR = "editor"  # texts and the service directory
    ADMIN = "admin"  # everything, plus staff accounts and the audit log


class StaffMember(Base):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(EnumText(Role))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's reset (or for a new account): no page but the password page until then.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Two-step sign-in (bot/console/two_factor.py). The TOTP secret only ever sealed with the
    # address key; the pending one while the owner has not yet confirmed a code from it.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_pending_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The time step of the last code accepted: that code, and any older, is refused (replay).
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )

    @property
    def two_factor(self) -> bool:
        """Whether signing in asks for a code after the password."""
        return self.totp_sealed is not None


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is kept."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(Base):
    """One of an account's one-time codes for when the authenticator is lost: only a keyed
    hash is kept, and the row goes when the code is used."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (UniqueConstraint("staff_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))


class PendingSignIn(Base):
    """A browser that gave the right password and still owes a code: no session yet, only
    the right to try a code for a few minutes. Only a hash of the cookie's token is kept."""

    __tablename__ = "staff_pending_sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginFailure(Base):
    """A failed login, counted per account, network and device to slow password guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), index=True)  # keyed hash: see auth.py
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who did or saw what, when. Never holds message text or anything identifying."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    staff_username: Mapped[str] = mapped_column(String(64))  # kept if the account goes
    action: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    detail: Mapped[str] = mapped_column(String(200), default="")
