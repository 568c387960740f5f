"""Referral: which listings answer a request, nearest first. Only what is verified and
within its re-check window reaches a survivor; demo listings only in development."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from bot.directory.gazetteer import Place
from bot.store import ServiceListing

SERVICE_TYPES = (
    "shelter", "legal_aid", "medical", "counselling", "police",
    "rescue", "helpline", "labour_rights", "financial_support",
)  # fmt: skip
SCOPES = ("national", "province", "district")
# Whom a listing serves (`serves`; empty: everyone). A person asking for a safe place says
# which; ANYONE is a question asked and not answered.
AUDIENCES = ("women", "men", "children")
ANYONE = "anyone"
STATUSES = ("draft", "to_confirm", "verified", "expired", "suspended")
_NEARNESS = {"district": 0, "province": 1, "national": 2}


def reachable(today: date, include_demo: bool) -> list[ColumnElement[bool]]:
    """The conditions that let a listing reach a survivor (SQL, so every query applies them)."""
    conditions: list[ColumnElement[bool]] = [
        ServiceListing.status == "verified",
        ServiceListing.next_check_due >= today,
    ]
    if not include_demo:
        conditions.append(ServiceListing.demo.is_(False))
    return conditions


def nearness(listing: ServiceListing, place: Place | None) -> int | None:
    """0 district, 1 province, 2 national; None when the listing doesn't cover the place."""
    if listing.scope == "national":
        return _NEARNESS["national"]
    if place is None:
        return None
    province = place.district.province if place.district else place.province
    if listing.scope == "district" and place.district and place.district.name in listing.districts:
        return _NEARNESS["district"]
    if listing.scope == "province" and province in listing.provinces:
        return _NEARNESS["province"]
    return None


def is_local(listing: ServiceListing, place: Place | None) -> bool:
    """It serves the person's district or province, not only the whole country."""
    return nearness(listing, place) in (_NEARNESS["district"], _NEARNESS["province"])


def find_listings(
    session: Session,
    service_type: str | None,
    place: Place | None,
    *,
    today: date,
    include_demo: bool,
    audience: str | None = None,
) -> list[ServiceListing]:
    """Listings for a kind of help near a place: district, then province, then national;
    lines that report to the police after all others unless the police were asked for (a
    complaint line never tops a medical, shelter or counselling answer, however near), and
    those meant for the person (a woman, a man, a child) before those for everyone. A
    listing only for others never answers (a child protection shelter for a grown woman);
    with nobody named, those for everyone come before those for some.

    With no kind of help, helplines answer: they can route any need.
    """
    wanted = service_type or "helpline"
    candidates = session.scalars(
        select(ServiceListing).where(
            *reachable(today, include_demo),
            ServiceListing.emergency.is_(False),
            _lists(ServiceListing.service_types, wanted),
            _may_cover(place),
        )
    )
    ranked = []
    for listing in candidates:
        near = nearness(listing, place)
        fit = _fit(listing, audience)
        if wanted in listing.service_types and near is not None and fit is not None:
            ranked.append((_reports_to_police(listing, wanted), near, fit, listing.id, listing))
    return [row[-1] for row in sorted(ranked, key=lambda row: row[:4])]


def _lists(column: Any, value: str) -> ColumnElement[bool]:
    """The JSON list in `column` may hold `value`: a text match in SQL, so that a directory
    of thousands isn't loaded whole for each request (`make bench`'s growth); the exact
    test stays in Python. Both ways json.dumps may have written it are matched."""
    as_text = cast(column, Text)
    spellings = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
    return or_(*(as_text.like(f"%{_escaped(spelling)}%", escape="\\") for spelling in spellings))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _may_cover(place: Place | None) -> ColumnElement[bool]:
    """National listings, and those whose province or district list may name the place."""
    covering = [ServiceListing.scope == "national"]
    province = (place.district.province if place.district else place.province) if place else None
    if province:
        covering.append(
            and_(ServiceListing.scope == "province", _lists(ServiceListing.provinces, province))
        )
    if place is not None and place.district:
        covering.append(
            and_(
                ServiceListing.scope == "district",
                _lists(ServiceListing.districts, place.district.name),
            )
        )
    return or_(*covering)


def _fit(listing: ServiceListing, audience: str | None) -> int | None:
    """0 meant for them, 1 for everyone, 2 only for some (nobody named); None: not for them."""
    if not listing.serves:
        return 1
    if audience is None:
        return 2
    return 0 if audience in listing.serves else None


def _reports_to_police(listing: ServiceListing, wanted: str) -> bool:
    """A complaint line (it forwards to the police) never tops an answer to someone who
    asked for another kind of help: calling it is reporting, which they didn't ask for."""
    return wanted != "police" and "police" in listing.service_types


def emergency_listings(
    session: Session, *, today: date, include_demo: bool
) -> list[ServiceListing]:
    """The national emergency numbers that come with every answer."""
    return list(
        session.scalars(
            select(ServiceListing)
            .where(*reachable(today, include_demo), ServiceListing.emergency.is_(True))
            .order_by(ServiceListing.id)  # police-emergency (15) before rescue-1122
        )
    )


def due_for_check(session: Session, *, today: date, within_days: int = 30) -> list[ServiceListing]:
    """Listings whose re-check is due (or past) within the next days, soonest first."""
    horizon = today + timedelta(days=within_days)
    return list(
        session.scalars(
            select(ServiceListing)
            .where(
                ServiceListing.status.in_(("to_confirm", "verified", "expired")),
                or_(
                    ServiceListing.next_check_due.is_(None),
                    ServiceListing.next_check_due <= horizon,
                ),
            )
            .order_by(ServiceListing.next_check_due.nulls_first(), ServiceListing.id)
        )
    )
