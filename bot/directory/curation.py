"""Changing a listing's verification state, always recorded with who did it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.directory.importer import RECHECK_DAYS
from bot.store import ListingChange, ListingStatus, ServiceListing

# How a person may confirm a listing; the console asks which, and the history keeps it.
VERIFICATION_METHODS = ("phone call", "visit", "official source")
# A verified listing shows as due this many days before its check, so it is called in time.
DUE_SOON_DAYS = 14


class UnknownListingError(LookupError):
    pass


def _get(session: Session, listing_id: str) -> ServiceListing:
    listing = session.get(ServiceListing, listing_id)
    if listing is None:
        raise UnknownListingError(f"no listing with id {listing_id!r}")
    return listing


def verify(
    session: Session, listing_id: str, *, by: str, today: date, how: str = "", note: str = ""
) -> ServiceListing:
    """A named person confirmed the listing: it may reach survivors until the next check.

    `how` is one of VERIFICATION_METHODS (the console always asks; the command line may
    leave it out), kept with a short `note` in the listing's history."""
    if not by.strip():
        raise ValueError("verification needs the name of the person who checked")
    if how and how not in VERIFICATION_METHODS:
        raise ValueError(f"how it was checked must be one of: {', '.join(VERIFICATION_METHODS)}")
    listing = _get(session, listing_id)
    listing.status, listing.verified_by = ListingStatus.VERIFIED, by.strip()
    listing.verified_at = datetime.now(UTC)
    listing.next_check_due = today + timedelta(days=RECHECK_DAYS)
    listing.demo = False
    details = {"due": listing.next_check_due.isoformat()}
    details.update({key: value for key, value in (("how", how), ("note", note.strip())) if value})
    session.add(
        ListingChange(listing_id=listing_id, action="verify", changed_by=by, details=details)
    )
    return listing


def check_state(listing: ServiceListing, *, today: date) -> str:
    """Where a listing stands, as editors read it: its status, or "due" for a verified one
    whose check falls within DUE_SOON_DAYS or has passed (past it, survivors no longer see it)."""
    due = listing.next_check_due
    if listing.status == ListingStatus.VERIFIED and (
        due is None or due <= today + timedelta(days=DUE_SOON_DAYS)
    ):
        return "due"
    return str(listing.status)


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
