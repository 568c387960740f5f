"""The development demo directory: the seed file's listings, shown as verified and clearly
marked demo, and never mixed into a real directory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.directory.gazetteer import Gazetteer
from bot.directory.importer import RECHECK_DAYS, apply, read_records, validate
from bot.store import ServiceListing

# What a change to the seed file changes in a demo directory (names become neutral, a line
# is added); verification dates are made up anew for demo listings and compare as equal.
_SEED_FACTS = ("names", "phones", "service_types", "hours")


def demo_fields(listings: list[dict[str, Any]], *, today: date) -> list[dict[str, Any]]:
    """Development only: every listed seed entry shown as verified, clearly marked demo."""
    out = []
    for fields in listings:
        if fields["status"] in ("to_confirm", "expired"):  # what a public source lists
            fields = {
                **fields,
                "status": "verified",
                "verified_by": "demo seed (development only)",
                "verified_at": datetime.now(UTC),
                "next_check_due": today + timedelta(days=RECHECK_DAYS),
            }
        out.append(fields)
    return out


def seed_demo(session: Session, seed_file: Path, gazetteer: Gazetteer, *, today: date) -> int:
    """Development: load the seed as demo listings, and follow later changes to the seed
    file, as long as the directory holds nothing but demo listings."""
    existing = {item.id: item for item in session.scalars(select(ServiceListing))}
    if any(not item.demo for item in existing.values()):
        return 0  # a real directory: the seed is never mixed into it
    records, problems = read_records(seed_file)
    listings, problems = (
        validate(records, gazetteer, today=today) if not problems else ([], problems)
    )
    if problems:
        raise ValueError("the seed file is broken: " + "; ".join(map(str, problems)))
    changed = [
        fields
        for fields in demo_fields(listings, today=today)
        if fields["id"] not in existing
        or any(getattr(existing[fields["id"]], k) != fields.get(k) for k in _SEED_FACTS)
    ]
    report = apply(session, changed, by="demo seed", demo=True)
    return len(report.created) + len(report.updated)


def has_demo_listings(session: Session) -> bool:
    return bool(
        session.scalar(
            select(func.count()).select_from(ServiceListing).where(ServiceListing.demo.is_(True))
        )
    )
