"""The service directory as survivors see it: which listings answer a request, nearest first.

Until the vetted directory has its own tables, listings come from the seed file; the
ranking and the rule that only confirmed listings reach survivors live here either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.directory.gazetteer import Place

SERVICE_TYPES = (
    "shelter", "legal_aid", "medical", "counselling", "police",
    "rescue", "helpline", "labour_rights", "financial_support",
)  # fmt: skip
EMERGENCY_IDS = ("police-emergency", "rescue-1122")  # shown with every answer instead
_NEARNESS = {"district": 0, "province": 1, "national": 2}


@dataclass(frozen=True)
class ServiceListing:
    id: str
    names: dict[str, str]
    service_types: tuple[str, ...]
    phone: str
    hours: str
    scope: str  # national | province | district
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    confirmed: bool = False  # listed by a public source ("demo" until verified by a person)

    def covers(self, place: Place | None) -> str | None:
        """How near this listing is to a place: district, province, national, or None."""
        if self.scope == "national":
            return "national"
        if place is None:
            return None
        province = place.district.province if place.district else place.province
        if self.scope == "district" and place.district and place.district.name in self.districts:
            return "district"
        if self.scope == "province" and province in self.provinces:
            return "province"
        return None


def _listing(entry: dict) -> ServiceListing:
    coverage = entry.get("coverage", "national")
    scope, provinces, districts = "national", (), ()
    if isinstance(coverage, dict):
        if "district" in coverage or "districts" in coverage:
            scope = "district"
            districts = tuple(coverage.get("districts") or [coverage["district"]])
        else:
            scope = "province"
            provinces = tuple(coverage.get("provinces") or [coverage["province"]])
    return ServiceListing(
        id=entry["id"],
        names={str(k): str(v) for k, v in entry["name"].items()},
        service_types=tuple(entry.get("service_types", [])),
        phone=str(entry["phone"]),
        hours=str(entry.get("hours") or ""),
        scope=scope,
        provinces=provinces,
        districts=districts,
        confirmed=entry.get("status") == "listed",
    )


class Directory:
    def __init__(self, listings: list[ServiceListing]) -> None:
        self.listings = listings

    @classmethod
    def from_seed(cls, path: Path) -> Directory:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls([_listing(entry) for entry in data["entries"]])

    def emergency(self) -> list[ServiceListing]:
        by_id = {item.id: item for item in self.listings}
        return [by_id[i] for i in EMERGENCY_IDS if i in by_id]

    def find(self, service_type: str | None, place: Place | None) -> list[ServiceListing]:
        """Confirmed listings for a kind of help near a place: district, province, then national.

        With no kind of help, helplines answer: they can route any need.
        """
        wanted = service_type or "helpline"
        found = []
        for item in self.listings:
            if not item.confirmed or item.id in EMERGENCY_IDS or wanted not in item.service_types:
                continue
            nearness = item.covers(place)
            if nearness is not None:
                found.append((_NEARNESS[nearness], item.id, item))
        return [item for _, _, item in sorted(found, key=lambda row: row[:2])]


@lru_cache
def load_directory(path: Path) -> Directory:
    return Directory.from_seed(path)
