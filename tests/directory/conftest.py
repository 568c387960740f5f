"""Listings written straight into a test database, and what the directory answers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.config import ROOT
from bot.directory import find_listings, load_gazetteer
from bot.store import Database, ServiceListing

GAZETTEER = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
TODAY = date.today()


def add_listing(db: Database, listing_id: str, **fields: object) -> None:
    values: dict[str, object] = {
        "names": {"en": listing_id}, "service_types": ["shelter"], "scope": "national",
        "phones": ["042-1234567"], "status": "verified", "verified_by": "Test Verifier",
        "next_check_due": TODAY + timedelta(days=30), **fields,
    }  # fmt: skip
    with db.session() as session:
        session.add(ServiceListing(id=listing_id, **values))


def ids(
    db: Database,
    service_type: str | None,
    place: str | None,
    include_demo: bool = True,
    audience: str | None = None,
) -> list[str]:
    where = GAZETTEER.resolve(place) if place else None
    with db.session() as session:
        return [
            x.id
            for x in find_listings(
                session,
                service_type,
                where,
                today=TODAY,
                include_demo=include_demo,
                audience=audience,
            )
        ]


def listings_by_id(db: Database) -> dict[str, ServiceListing]:
    with db.session() as session:
        return {item.id: item for item in session.scalars(select(ServiceListing))}
