"""Changing a listing's verification state, always recorded with who did it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.directory.gazetteer import Gazetteer
from bot.directory.importer import RECHECK_DAYS, apply, demo_fields, read_records, validate
from bot.store import ListingChange, ServiceListing


class UnknownListingError(LookupError):
    pass


def _get(session: Session, listing_id: str) -> ServiceListing:
    listing = session.get(ServiceListing, listing_id)
    if listing is None:
        raise UnknownListingError(f"no listing with id {listing_id!r}")
    return listing


def verify(session: Session, listing_id: str, *, by: str, today: date) -> ServiceListing:
    """A named person confirmed the listing: it may reach survivors until the next check."""
    if not by.strip():
        raise ValueError("verification needs the name of the person who checked")
    listing = _get(session, listing_id)
    listing.status, listing.verified_by = "verified", by.strip()
    listing.verified_at = datetime.now(UTC)
    listing.next_check_due = today + timedelta(days=RECHECK_DAYS)
    listing.demo = False
    due = listing.next_check_due.isoformat()
    session.add(
        ListingChange(listing_id=listing_id, action="verify", changed_by=by, details={"due": due})
    )
    return listing


def set_status(
    session: Session, listing_id: str, status: str, *, by: str, reason: str = ""
) -> ServiceListing:
    """Expire or suspend a listing: it leaves every survivor answer at once."""
    if status not in ("expired", "suspended", "draft"):
        raise ValueError(f"use verify to make a listing verified, not {status!r}")
    listing = _get(session, listing_id)
    listing.status = status
    session.add(
        ListingChange(
            listing_id=listing_id, action=status, changed_by=by, details={"reason": reason}
        )
    )
    return listing


# What a change to the seed file changes in a demo directory (names become neutral, a line
# is added); verification dates are made up anew for demo listings and compare as equal.
_SEED_FACTS = ("names", "phones", "service_types", "hours")


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
