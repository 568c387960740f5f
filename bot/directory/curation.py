"""Changing a listing's verification state, always recorded with who did it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.directory.importer import RECHECK_DAYS
from bot.store import ListingChange, ListingStatus, ServiceListing


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
    listing.status, listing.verified_by = ListingStatus.VERIFIED, by.strip()
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
    listing.status = ListingStatus(status)
    session.add(
        ListingChange(
            listing_id=listing_id, action=status, changed_by=by, details={"reason": reason}
        )
    )
    return listing
