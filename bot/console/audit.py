"""The audit log: every view of a conversation and every change, by whom and when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import AuditEntry, StaffMember


def record(
    session: Session,
    staff: StaffMember | None,
    action: str,
    *,
    ticket_id: int | None = None,
    detail: str = "",
    username: str = "",
) -> None:
    """Add one entry. `detail` must never hold message text or anything identifying."""
    session.add(
        AuditEntry(
            staff_id=staff.id if staff else None,
            staff_username=staff.username if staff else username or "-",
            action=action,
            ticket_id=ticket_id,
            detail=detail[:200],
        )
    )


def latest(session: Session, limit: int = 200, before: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return list(session.scalars(query))
