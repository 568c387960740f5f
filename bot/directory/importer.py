"""Import and export of the service directory: YAML or CSV, validated whole, all or nothing.

Every problem is reported with its line, so an editor can fix the file in one pass. Seed
semantics (shared/data/services_pk.yaml): "listed" means a public source lists it; it comes
in "to be confirmed by phone", work for an editor that no survivor sees until someone has
called and verified it; "unconfirmed" comes in as draft.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory.gazetteer import Gazetteer
from bot.directory.listings import SERVICE_TYPES, STATUSES
from bot.store import ListingChange, ServiceListing

RECHECK_DAYS = 180
SHORT_FIELD_LENGTH = 120  # hours, cost, verified_by: String(120) in bot/store/directory.py
# Records one problem on the line being checked.
_Complain = Callable[[str], None]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]*[0-9]$")
_LIST_FIELDS = ("service_types", "phones", "other_contacts", "languages", "serves")
CSV_COLUMNS = [
    "id", "name_en", "name_ur", "name_ur_Latn", "description_en", "description_ur",
    "description_ur_Latn", "service_types", "coverage", "places", "phones", "other_contacts",
    "hours", "languages", "women_staff", "serves", "cost", "emergency", "status", "source",
    "source_date", "verified_by", "verified_at", "next_check_due",
]  # fmt: skip


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_records(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """(line, record) pairs from a YAML or CSV file, or the problems that stop reading it."""
    # utf-8-sig: spreadsheets save CSV with a byte-order mark (and the console's export has one)
    text = path.read_text(encoding="utf-8-sig")
    return parse_records(text, csv_format=path.suffix.lower() == ".csv")


def parse_records(
    text: str, *, csv_format: bool
) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """The same as `read_records`, from a file's text (an upload in the console)."""
    if csv_format:
        try:
            return _read_csv(text), []
        except csv.Error as exc:  # a NUL byte, an over-long field: a file that isn't CSV
            return [], [Problem(1, f"not valid CSV: {exc}")]
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(mark.line + 1 if mark else 1, f"not valid YAML: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list) or root is None:
        return [], [Problem(1, "the file needs a top-level 'entries:' list")]
    entries_node = next(v for k, v in root.value if k.value == "entries")
    return [
        (node.start_mark.line + 1, entry)
        for node, entry in zip(entries_node.value, data["entries"], strict=True)
    ], []


def _read_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    records = []
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        record: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
        for part in ("name", "description"):
            record[part] = {
                lang: record.pop(f"{part}_{lang}", "") for lang in ("en", "ur", "ur_Latn")
            }
            record[part] = {k: v for k, v in record[part].items() if v}
        for name in (*_LIST_FIELDS, "places"):
            record[name] = [
                item.strip() for item in record.get(name, "").split(";") if item.strip()
            ]
        scope, places = record.pop("coverage", "national") or "national", record.pop("places")
        record["coverage"] = "national" if scope == "national" else {f"{scope}s": places}
        for flag in ("women_staff", "emergency"):
            record[flag] = {"yes": True, "true": True, "no": False, "false": False}.get(
                str(record.get(flag, "")).lower()
            )
        records.append((reader.line_num, record))
    return records


def validate(
    records: list[tuple[int, dict[str, Any]]], gazetteer: Gazetteer, *, today: date
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Records as listing fields, or every problem found (none is applied if any is found)."""
    problems: list[Problem] = []
    listings: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, record in records:
        found = _listing_fields(line, record, gazetteer, today, problems)
        if found is None:
            continue
        if found["id"] in seen:
            problems.append(
                Problem(line, f"id {found['id']!r} already used on line {seen[found['id']]}")
            )
        seen[found["id"]] = line
        listings.append(found)
    return listings, problems


def check_entry(
    record: dict[str, Any], gazetteer: Gazetteer, *, today: date
) -> tuple[dict[str, Any] | None, list[str]]:
    """One entry's listing fields, or what is wrong with it: the console's add and edit
    pages check a listing by the import's rules, so both refuse the same things."""
    problems: list[Problem] = []
    fields = _listing_fields(1, record, gazetteer, today, problems)
    return (None if problems else fields), [problem.message for problem in problems]


def _listing_fields(
    line: int, record: Any, gazetteer: Gazetteer, today: date, problems: list[Problem]
) -> dict[str, Any] | None:
    def problem(message: str) -> None:
        problems.append(Problem(line, message))

    if not isinstance(record, dict):
        problem("an entry must be a mapping of fields")
        return None
    before = len(problems)
    # Every field is checked before giving up, so one pass names all of an entry's problems.
    listing_id = _checked_id(record, problem)
    names = _checked_names(record, problem)
    kinds = _checked_service_types(record, problem)
    phones = _checked_phones(record, problem)
    scope, provinces, districts = _coverage(record.get("coverage", "national"), gazetteer, problem)
    status_in = _checked_status(record, problem)
    source_date = _as_date(record.get("source_date"), problem, "source_date")
    verified_by = _checked_verifier(record, status_in, problem)
    _check_lengths(record, problem)
    if len(problems) > before:
        return None
    status, verified_by, verified_at, due = _verification(
        record, status_in, verified_by, source_date, today, problem
    )
    return {
        "id": listing_id,
        "names": {k: str(v) for k, v in names.items() if v},
        "descriptions": {k: str(v) for k, v in (record.get("description") or {}).items() if v},
        "service_types": kinds,
        "scope": scope,
        "provinces": provinces,
        "districts": districts,
        "phones": phones,
        "other_contacts": _as_list(record.get("other_contacts")),
        "hours": str(record.get("hours") or ""),
        "languages": _as_list(record.get("languages")),
        "women_staff": record.get("women_staff")
        if isinstance(record.get("women_staff"), bool)
        else None,
        "serves": _as_list(record.get("serves")),
        "cost": str(record.get("cost") or ""),
        "emergency": bool(record.get("emergency"))
        or listing_id in ("police-emergency", "rescue-1122"),
        "status": status,
        "verified_by": verified_by,
        "verified_at": datetime.combine(verified_at, datetime.min.time(), UTC)
        if verified_at
        else None,
        "next_check_due": due,
        "source": str(record.get("source") or ""),
        "source_date": source_date,
    }


def _checked_id(record: dict[str, Any], problem: _Complain) -> str:
    listing_id = str(record.get("id") or "")
    if not _ID.match(listing_id):
        problem(f"id {listing_id!r} must be 2-64 lowercase letters, digits or dashes")
    return listing_id


def _checked_names(record: dict[str, Any], problem: _Complain) -> dict[str, Any]:
    names = record.get("name")
    if not isinstance(names, dict) or not str(names.get("en") or "").strip():
        problem("name needs at least an English name (name: {en: ...})")
        return {}
    return names


def _checked_service_types(record: dict[str, Any], problem: _Complain) -> list[str]:
    kinds = _as_list(record.get("service_types"))
    unknown = [k for k in kinds if k not in SERVICE_TYPES]
    if not kinds or unknown:
        problem(
            f"service_types must be some of {', '.join(SERVICE_TYPES)}"
            + (f"; unknown: {unknown}" if unknown else "")
        )
    return kinds


def _checked_phones(record: dict[str, Any], problem: _Complain) -> list[str]:
    phones = _as_list(record.get("phones")) or _as_list(record.get("phone"))
    bad_phones = [
        p for p in phones if not _PHONE.match(p) or not 2 <= sum(c.isdigit() for c in p) <= 15
    ]
    if not phones or bad_phones:
        problem(
            "phone numbers must be digits with optional +, spaces or dashes (2-15 digits): "
            f"{bad_phones or 'none given'}"
        )
    return phones


def _check_lengths(record: dict[str, Any], problem: _Complain) -> None:
    """Short fields fit their columns (PostgreSQL refuses a longer value, SQLite keeps it)."""
    for name in ("hours", "cost", "verified_by"):
        if len(str(record.get(name) or "")) > SHORT_FIELD_LENGTH:
            problem(f"{name} must be at most {SHORT_FIELD_LENGTH} characters")


def _checked_status(record: dict[str, Any], problem: _Complain) -> str:
    """The status as the file gives it: a listing status, or the seed's listed/unconfirmed."""
    status_in = str(record.get("status") or "draft")
    if status_in not in (*STATUSES, "listed", "unconfirmed"):
        problem(f"status {status_in!r} must be listed, unconfirmed or one of {', '.join(STATUSES)}")
    return status_in


def _checked_verifier(record: dict[str, Any], status_in: str, problem: _Complain) -> str | None:
    verified_by = str(record.get("verified_by") or "").strip() or None
    if status_in == "verified" and not verified_by:
        problem("a verified listing needs verified_by: the person who checked it")
    return verified_by


def _verification(
    record: dict[str, Any],
    status_in: str,
    verified_by: str | None,
    source_date: date | None,
    today: date,
    problem: _Complain,
) -> tuple[str, str | None, date | None, date | None]:
    """Status, verifier, verification date and next check due, by the seed semantics above."""
    if status_in == "listed":
        # A public source lists it, and that is not a check: it waits for someone to call
        # it (`rahnuma services due`), neither silently verified nor silently expired.
        if not str(record.get("source") or "").strip() or source_date is None:
            problem("a listed entry needs its public source and source_date (docs/directory.md)")
        return "to_confirm", None, None, None
    if status_in == "unconfirmed":
        return "draft", verified_by, None, None
    # verified, expired, suspended, draft: keep the dates the file gives
    verified_at = _as_date(record.get("verified_at"), problem, "verified_at")
    if status_in == "verified":
        verified_at = verified_at or today
    due = _as_date(record.get("next_check_due"), problem, "next_check_due")
    if due is None and verified_at is not None:
        due = verified_at + timedelta(days=RECHECK_DAYS)
    return status_in, verified_by, verified_at, due


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()]


def _as_date(value: Any, problem: _Complain, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problem(f"{name} {value!r} must be a date like 2024-01-31")
        return None


def _coverage(
    value: Any, gazetteer: Gazetteer, problem: _Complain
) -> tuple[str, list[str], list[str]]:
    if value == "national":
        return "national", [], []
    if not isinstance(value, dict) or len(value) != 1:
        problem(
            "coverage must be national, {province: X}, {provinces: [..]}, "
            "{district: X} or {districts: [..]}"
        )
        return "national", [], []
    ((kind, places),) = value.items()
    names = _as_list(places)
    if kind in ("province", "provinces"):
        known = set(gazetteer.province_ur)
        unknown = [p for p in names if p not in known]
        if not names or unknown:
            problem(f"unknown province(s) {unknown}: use one of {', '.join(sorted(known))}")
        return "province", names, []
    if kind in ("district", "districts"):
        resolved = []
        for name in names:
            place = gazetteer.resolve(name)
            if place is None or place.district is None:
                problem(
                    f"unknown district {name!r}: use a district of Pakistan as the gazetteer "
                    "names it (data/seed/districts_pk.yaml)"
                )
            else:
                resolved.append(place.district.name)
        if not names:
            problem("a district listing needs at least one district")
        return "district", [], resolved
    problem(f"coverage kind {kind!r} must be province(s) or district(s)")
    return "national", [], []


def apply(
    session: Session,
    listings: list[dict[str, Any]],
    *,
    by: str,
    demo: bool = False,
    action: str = "import",
) -> ImportReport:
    """Create or update every listing, recording each change with who made it (`action`
    names how in the history: an import, or an editor's add or edit in the console)."""
    report = ImportReport()
    existing = {item.id: item for item in session.scalars(select(ServiceListing))}
    for fields in listings:
        listing = existing.get(fields["id"])
        if listing is None:
            listing = ServiceListing(**fields, demo=demo)
            session.add(listing)
            report.created.append(fields["id"])
            changes = {k: _jsonable(v) for k, v in fields.items() if k != "id"}
        else:
            changes = {k: _jsonable(v) for k, v in fields.items() if getattr(listing, k) != v}
            for name, value in fields.items():
                setattr(listing, name, value)
            listing.demo = demo
            report.updated.append(fields["id"])
        session.flush()
        session.add(
            ListingChange(listing_id=fields["id"], action=action, changed_by=by, details=changes)
        )
    return report


def export_records(session: Session) -> list[dict[str, Any]]:
    """Every listing as an import file entry (round-trips through `apply`)."""
    records = []
    for item in session.scalars(select(ServiceListing).order_by(ServiceListing.id)):
        coverage: Any = "national"
        if item.scope == "province":
            coverage = {"provinces": item.provinces}
        elif item.scope == "district":
            coverage = {"districts": item.districts}
        records.append({
            "id": item.id, "name": item.names, "description": item.descriptions,
            "service_types": item.service_types, "coverage": coverage, "phones": item.phones,
            "other_contacts": item.other_contacts, "hours": item.hours, "languages": item.languages,
            "women_staff": item.women_staff, "serves": item.serves, "cost": item.cost,
            "emergency": item.emergency, "status": str(item.status),  # text: YAML has no enum
            "verified_by": item.verified_by,
            "verified_at": item.verified_at.date().isoformat() if item.verified_at else None,
            "next_check_due": item.next_check_due.isoformat() if item.next_check_due else None,
            "source": item.source,
            "source_date": item.source_date.isoformat() if item.source_date else None,
        })  # fmt: skip
    return records


def write_csv(records: list[dict[str, Any]], out: TextIO) -> None:
    """Exported records (`export_records`) as CSV in CSV_COLUMNS, which imports back."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        row: dict[str, object] = {}
        for part in ("name", "description"):
            for language, text in (record.get(part) or {}).items():
                row[f"{part}_{language}"] = text
        coverage = record["coverage"]
        if isinstance(coverage, dict):
            ((kind, places),) = coverage.items()
            row["coverage"], row["places"] = kind.rstrip("s"), ";".join(places)
        else:
            row["coverage"] = "national"
        for name in _LIST_FIELDS:
            row[name] = ";".join(record.get(name) or [])
        # The check dates too: without them a re-imported verified listing would count as
        # checked on the day of the import, and reach survivors for another 180 days.
        for name in ("id", "hours", "cost", "status", "source", "source_date", "verified_by",
                     "verified_at", "next_check_due"):  # fmt: skip
            row[name] = record.get(name) or ""
        for flag in ("women_staff", "emergency"):
            value = record.get(flag)
            row[flag] = "" if value is None else ("yes" if value else "no")
        writer.writerow(row)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value
