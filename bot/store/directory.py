"""The service directory's tables: listings and the history of every change to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow
from bot.store.types import EnumText


class ListingStatus(StrEnum):
    DRAFT = "draft"  # imported, not yet checked by anyone
    TO_CONFIRM = "to_confirm"  # a public source lists it; someone must call it to confirm
    VERIFIED = "verified"  # a named person checked it, within its recheck window
    EXPIRED = "expired"  # past its recheck date
    SUSPENDED = "suspended"  # taken down by an editor


class ServiceListing(Base):
    """One support service as survivors are told about it, with its verification state."""

    __tablename__ = "service_listings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # language -> name
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    service_types: Mapped[list[str]] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(16))  # national | province | district
    provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    phones: Mapped[list[str]] = mapped_column(JSON)
    other_contacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[str] = mapped_column(String(120), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    women_staff: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    serves: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost: Mapped[str] = mapped_column(String(120), default="")
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)  # shown with every list
    status: Mapped[ListingStatus] = mapped_column(
        EnumText(ListingStatus), default=ListingStatus.DRAFT
    )
    verified_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_check_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    source_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)  # development only
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ListingChange(Base):
    """Who changed what in a listing, and when: the directory's audit trail."""

    __tablename__ = "listing_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("service_listings.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))  # import, verify, expire, suspend ...
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
