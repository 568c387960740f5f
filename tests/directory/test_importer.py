"""Editing the directory: import (YAML, CSV) and export."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.cli import main
from bot.config import ROOT
from bot.directory.importer import (
    apply,
    check_entry,
    export_records,
    parse_records,
    read_records,
    validate,
    write_csv,
)
from bot.store import Database, ListingChange, ServiceListing
from tests.directory.conftest import GAZETTEER, listings_by_id

SEED = ROOT / "data" / "seed" / "services_pk.yaml"


@pytest.mark.parametrize("today", [date(2024, 3, 1), date(2026, 11, 28)])
def test_a_public_source_makes_a_listing_to_confirm_never_verified(today: date) -> None:
    """Issue 15: a listing a public source names waits for a call, whatever its source's
    date: neither verified by that source (it used to be, for 180 days) nor expired."""
    records, problems = read_records(SEED)
    listings, more = validate(records, GAZETTEER, today=today)
    assert problems == more == []
    unconfirmed = {record["id"] for _, record in records if record["status"] == "unconfirmed"}
    assert {"fia-general-helpline", "opf-helpline"} <= unconfirmed
    assert {item["id"] for item in listings if item["status"] == "draft"} == unconfirmed
    assert {item["status"] for item in listings if item["id"] not in unconfirmed} == {"to_confirm"}
    assert all(item["verified_by"] is None for item in listings)
    assert all(item["next_check_due"] is None for item in listings)  # due at once


BROKEN = """\
entries:
  - id: good-shelter
    name: {en: Good shelter}
    service_types: [shelter]
    phone: "042-1111111"
    status: draft
  - id: Bad ID
    name: {ur: نام}
    service_types: [spa]
    phone: "call us"
    coverage: {district: Atlantis}
  - id: kasur-legal
    name: {en: Kasur legal aid}
    service_types: [legal_aid]
    phone: "049-2222222"
    coverage: {district: kasoor}
    status: verified
"""


def test_a_broken_import_changes_nothing_and_names_each_bad_line(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listings_by_id(database)
    path = tmp_path / "listings.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["services", "import", str(path), "--by", "Editor A"]) == 1
    errors = capsys.readouterr().err
    assert "line 7: id 'Bad ID'" in errors
    assert "line 7: unknown district 'Atlantis'" in errors
    assert "line 7: phone numbers" in errors and "'spa'" in errors
    assert "line 12: a verified listing needs verified_by" in errors
    assert "nothing was imported" in errors
    assert listings_by_id(database).keys() == before.keys()


def test_dry_run_changes_nothing(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(BROKEN.split("  - id: Bad ID")[0], encoding="utf-8")
    assert main(["services", "import", str(path), "--by", "A", "--dry-run"]) == 0
    assert "good-shelter" not in listings_by_id(database)
    assert main(["services", "import", str(path), "--by", "A"]) == 0
    assert listings_by_id(database)["good-shelter"].status == "draft"


def test_csv_import_with_line_numbers(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "listings.csv"
    path.write_text(
        "id,name_en,name_ur,service_types,coverage,places,phones,status,verified_by\n"
        "kasur-shelter,Kasur shelter,قصور پناہ گاہ,shelter,district,Kasur,049-1234567,verified,Editor B\n"
        "broken,,,,district,Nowhere,xx,verified,\n",
        encoding="utf-8",
    )
    assert main(["services", "import", str(path), "--by", "B"]) == 1
    assert "line 3:" in capsys.readouterr().err
    path.write_text(
        "\n".join(path.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8"
    )
    assert main(["services", "import", str(path), "--by", "B"]) == 0
    listing = listings_by_id(database)["kasur-shelter"]
    assert (listing.status, listing.districts, listing.names["ur"]) == (
        "verified",
        ["Kasur"],
        "قصور پناہ گاہ",
    )


def test_export_then_import_changes_nothing(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["services", "export"]) == 0
    exported = capsys.readouterr().out
    path = tmp_path / "export.yaml"
    path.write_text(exported, encoding="utf-8")
    records, problems = read_records(path)
    listings, more = validate(records, GAZETTEER, today=date.today())
    assert problems == more == []
    before = {
        i: (x.status, x.next_check_due, x.phones, x.scope, x.provinces)
        for i, x in listings_by_id(database).items()
    }
    with database.session() as session:
        apply(session, listings, by="round trip", demo=True)
    after = {
        i: (x.status, x.next_check_due, x.phones, x.scope, x.provinces)
        for i, x in listings_by_id(database).items()
    }
    assert after == before
    assert main(["services", "export", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("id,name_en,")


def test_yaml_syntax_error_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("entries:\n  - id: x\n    name: {en: [unclosed\n", encoding="utf-8")
    assert main(["services", "import", str(path), "--by", "A"]) == 1
    assert "line " in capsys.readouterr().err


def test_seed_file_is_the_shared_one() -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    assert {e["id"] for e in data["entries"]} >= {"police-emergency", "rescue-1122"}


@pytest.mark.parametrize("missing", ["source", "source_date"])
def test_a_listed_entry_without_its_public_source_is_refused(missing: str) -> None:
    """Issue 15: every listing a survivor may read names where its facts come from."""
    record = {
        "id": "x-line", "name": {"en": "X line"}, "service_types": ["helpline"],
        "coverage": "national", "phone": "1099", "status": "listed",
        "source": "Dawn, 1 May 2025", "source_date": "2025-05-01",
    }  # fmt: skip
    del record[missing]
    listings, problems = validate([(7, record)], GAZETTEER, today=date(2026, 11, 30))
    assert listings == [] or problems
    assert any("public source" in str(p) for p in problems)


def test_check_entry_applies_the_import_rules_to_one_listing() -> None:
    entry = {"id": "kasur-legal", "name": {"en": "Kasur legal aid"},
             "service_types": ["legal_aid"], "phones": ["049-2222222"],
             "coverage": {"districts": ["kasoor"]}}  # fmt: skip
    fields, problems = check_entry(entry, GAZETTEER, today=date(2026, 1, 5))
    assert problems == [] and fields is not None
    assert (fields["districts"], fields["status"]) == (["Kasur"], "draft")
    fields, problems = check_entry(
        {**entry, "coverage": {"districts": ["Atlantis"]}, "service_types": ["spa"]},
        GAZETTEER,
        today=date(2026, 1, 5),
    )
    assert fields is None
    assert any(p.startswith("unknown district 'Atlantis'") for p in problems)
    assert any("'spa'" in p for p in problems)  # every problem at once, not the first


def test_a_file_that_is_not_csv_is_a_problem_not_a_crash() -> None:
    records, problems = parse_records(f'id,name_en\nx,"{"a" * 200_000}"\n', csv_format=True)
    assert records == [] and "not valid CSV: field larger" in str(problems[0])


def test_csv_export_keeps_the_check_dates_through_an_import(database: Database) -> None:
    """A re-imported verified listing keeps its check date: an import is not a check."""
    checked, due = date(2025, 1, 2), date(2025, 7, 1)
    with database.session() as session:
        listing = session.get_one(ServiceListing, "mohr-helpline")
        listing.verified_at = datetime.combine(checked, datetime.min.time(), UTC)
        listing.next_check_due = due
    with database.session() as session:
        out = io.StringIO()
        write_csv(export_records(session), out)
    records, problems = parse_records(out.getvalue(), csv_format=True)
    listings, more = validate(records, GAZETTEER, today=date.today())
    assert problems == more == []
    by_id = {fields["id"]: fields for fields in listings}
    assert by_id["mohr-helpline"]["next_check_due"] == due
    assert by_id["mohr-helpline"]["verified_at"].date() == checked
    before = listings_by_id(database)
    with database.session() as session:
        report = apply(session, listings, by="round trip", demo=True, action="import")
    after = listings_by_id(database)
    assert len(report.updated) == len(before)
    facts = ("names", "descriptions", "service_types", "scope", "provinces", "districts",
             "phones", "hours", "languages", "women_staff", "serves", "cost", "emergency",
             "status", "verified_by", "next_check_due", "source", "source_date")  # fmt: skip
    assert {i: [getattr(x, f) for f in facts] for i, x in after.items()} == {
        i: [getattr(x, f) for f in facts] for i, x in before.items()
    }


def test_apply_names_the_action_in_the_history(database: Database) -> None:
    entry = {"id": "new-line", "name": {"en": "New line"}, "service_types": ["helpline"],
             "phones": ["1099"]}  # fmt: skip
    fields, _ = check_entry(entry, GAZETTEER, today=date.today())
    with database.session() as session:
        apply(session, [fields or {}], by="Erum", action="add")
    with database.session() as session:
        change = session.scalars(
            select(ListingChange).where(ListingChange.listing_id == "new-line")
        ).one()
    assert (change.action, change.changed_by, change.details["phones"]) == (
        "add", "Erum", ["1099"],
    )  # fmt: skip


def test_a_field_too_long_for_its_column_is_a_problem_on_every_database() -> None:
    entry = {"id": "x-line", "name": {"en": "X"}, "service_types": ["helpline"],
             "phones": ["1099"], "hours": "9-5 " * 40}  # fmt: skip
    fields, problems = check_entry(entry, GAZETTEER, today=date.today())
    assert fields is None and problems == ["hours must be at most 120 characters"]


def test_a_csv_saved_by_a_spreadsheet_imports(database: Database, tmp_path: Path) -> None:
    """Spreadsheets put a byte-order mark before the first column's name."""
    path = tmp_path / "excel.csv"
    path.write_text("id,name_en,service_types,phones\nexcel-line,Excel line,helpline,1099\n",
                    encoding="utf-8-sig")  # fmt: skip
    assert main(["services", "import", str(path), "--by", "A"]) == 0
    assert listings_by_id(database)["excel-line"].names == {"en": "Excel line"}
