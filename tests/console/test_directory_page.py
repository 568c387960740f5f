"""The service directory in the console (issue 17): editors and admins list, add, edit,
verify, expire, import and export listings; workers never open it; every change is a draft
until verified, and every change is in the listing's history."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.config import ROOT
from bot.directory import load_gazetteer
from bot.directory.importer import RECHECK_DAYS, parse_records, validate
from bot.store import AuditEntry, Database, ListingChange, ListingStatus, ServiceListing
from tests.console.conftest import form_token, signed_in

GAZETTEER = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
TODAY = date.today()
ROUTES = [
    ("GET", "/console/directory"),
    ("GET", "/console/directory/due"),
    ("GET", "/console/directory/new"),
    ("POST", "/console/directory/new"),
    ("GET", "/console/directory/import"),
    ("POST", "/console/directory/import"),
    ("GET", "/console/directory/export.csv"),
    ("GET", "/console/directory/mohr-helpline"),
    ("POST", "/console/directory/mohr-helpline"),
    ("POST", "/console/directory/mohr-helpline/verify"),
    ("POST", "/console/directory/mohr-helpline/status"),
]
POSTS = [path for method, path in ROUTES if method == "POST"]
KASUR_SHELTER = {
    "id": "kasur-safe-house",
    "name_en": "Kasur safe house",
    "name_ur": "قصور دارالامان",
    "name_ur_Latn": "Kasur darul aman",
    "description_en": "A safe place for women and their children.",
    "service_type": ["shelter", "counselling"],
    "scope": "district",
    "district": ["kasoor", ""],  # a spelling people write; the gazetteer knows it
    "phones": "049-1234567\n0300 1234567",
    "hours": "24/7",
    "languages": "ur, pa",
    "women_staff": "yes",
    "serves": ["women", "children"],
    "cost": "free",
    "source": "called on arrival",
}


def token(client: TestClient) -> str:
    return form_token(client.get("/console/directory").text)


def listing(database: Database, listing_id: str) -> ServiceListing | None:
    with database.session() as session:
        return session.get(ServiceListing, listing_id)


def changes(database: Database, listing_id: str) -> list[ListingChange]:
    with database.session() as session:
        return list(
            session.scalars(
                select(ListingChange)
                .where(ListingChange.listing_id == listing_id)
                .order_by(ListingChange.id)
            )
        )


def listed(page: str, table: str) -> list[str]:
    """The listing ids in one table of a page, in order."""
    body = page.split(f'class="directory {table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-listing="([^"]+)"', body)


def add_kasur_shelter(client: TestClient, **changed: Any) -> Any:
    return client.post("/console/directory/new", data={**KASUR_SHELTER, **changed,
                                                       "csrf": token(client)})  # fmt: skip


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_worker_is_refused_every_directory_route(
    editors_app: FastAPI, database: Database, method: str, path: str
) -> None:
    amina = signed_in(editors_app, "amina")
    csrf = form_token(amina.get("/console/queue").text)
    response = amina.request(method, path, data={"csrf": csrf} if method == "POST" else None)
    assert response.status_code == 403
    assert listing(database, "mohr-helpline").status == "verified"  # type: ignore[union-attr]


def test_editors_and_admins_open_the_directory_from_the_menu(editors_app: FastAPI) -> None:
    for username in ("erum", "sara"):
        client = signed_in(editors_app, username)
        page = client.get("/console/directory")
        assert page.status_code == 200
        assert '<a href="/console/directory">Directory</a>' in page.text
    amina = signed_in(editors_app, "amina")
    assert '<a href="/console/directory">' not in amina.get("/console/queue").text


@pytest.mark.parametrize("path", POSTS)
def test_a_change_without_the_form_token_is_refused(
    editors_app: FastAPI, database: Database, path: str
) -> None:
    erum = signed_in(editors_app, "erum")
    form = {**KASUR_SHELTER, "how": "phone call", "status": "expired", "reason": "closed"}
    response = erum.post(path, data=form)
    assert response.status_code == 403
    assert "the form has expired" in response.text
    assert listing(database, "kasur-safe-house") is None
    assert listing(database, "mohr-helpline").status == "verified"  # type: ignore[union-attr]


def test_an_editor_adds_a_listing_in_three_languages_as_a_draft(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    response = add_kasur_shelter(erum)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/directory/kasur-safe-house?done=added"
    added = listing(database, "kasur-safe-house")
    assert added is not None
    assert (added.status, added.scope, added.districts) == ("draft", "district", ["Kasur"])
    assert added.names == {"en": "Kasur safe house", "ur": "قصور دارالامان",
                           "ur_Latn": "Kasur darul aman"}  # fmt: skip
    assert added.phones == ["049-1234567", "0300 1234567"]
    assert (added.women_staff, added.serves, added.languages) == (
        True, ["women", "children"], ["ur", "pa"],
    )  # fmt: skip
    assert added.verified_by is None and added.next_check_due is None and not added.demo
    (change,) = changes(database, "kasur-safe-house")
    assert (change.action, change.changed_by, change.details["districts"]) == (
        "add", "Erum", ["Kasur"],
    )  # fmt: skip
    with database.session() as session:
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert audit is not None and (audit.action, audit.detail) == ("listing added",
                                                                  "kasur-safe-house")  # fmt: skip
    page = erum.get("/console/directory", params={"q": "darul"}).text
    assert 'dir="rtl" lang="ur">قصور دارالامان</div>' in page
    assert "Kasur darul aman" in page and ">draft</span>" in page


def test_an_id_is_made_from_the_english_name_and_never_taken_twice(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    assert (
        add_kasur_shelter(erum, id="")
        .headers["location"]
        .startswith("/console/directory/kasur-safe-house?")
    )
    again = add_kasur_shelter(erum, id="", hours="9-5")
    assert again.status_code == 422
    assert "a listing with the id 'kasur-safe-house' exists already" in html.unescape(again.text)
    assert listing(database, "kasur-safe-house").hours == "24/7"  # type: ignore[union-attr]
    assert add_kasur_shelter(erum, id="due").status_code == 422  # a page's name


def test_an_unknown_district_is_refused_keeping_everything_typed(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    response = add_kasur_shelter(erum, district=["Kasur", "Atlantis"])
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "unknown district 'Atlantis'" in page
    for typed in ("kasur-safe-house", "Kasur safe house", "قصور دارالامان", "Kasur darul aman",
                  "A safe place for women and their children.", "049-1234567\n0300 1234567",
                  "24/7", "ur, pa", "free", 'value="Atlantis"', 'value="Kasur"'):  # fmt: skip
        assert typed in page, typed
    assert re.search(r'value="counselling" checked', page)
    assert re.search(r'value="district" checked', page)
    assert re.search(r'value="yes" selected', page)
    assert listing(database, "kasur-safe-house") is None  # nothing half-saved
    assert changes(database, "kasur-safe-house") == []


def test_editing_a_verified_listing_makes_it_a_draft_until_verified_again(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    page = erum.get("/console/directory/mohr-helpline").text
    assert "Saving a change makes this listing a <strong>draft</strong>" in page
    assert "although it is verified now" in page
    before = listing(database, "mohr-helpline")
    assert before is not None and before.status == "verified"
    form = {"name_en": before.names["en"], "name_ur": before.names["ur"],
            "name_ur_Latn": before.names["ur_Latn"], "service_type": before.service_types,
            "scope": "national", "phones": "1099", "source": before.source,
            "source_date": before.source_date.isoformat() if before.source_date else "",
            "csrf": token(erum)}  # fmt: skip
    unchanged = erum.post("/console/directory/mohr-helpline", data=form)
    assert unchanged.headers["location"].endswith("?done=nothing")
    assert listing(database, "mohr-helpline").status == "verified"  # type: ignore[union-attr]

    saved = erum.post("/console/directory/mohr-helpline", data={**form, "hours": "9am-5pm"})
    assert saved.headers["location"] == "/console/directory/mohr-helpline?done=saved"
    after = listing(database, "mohr-helpline")
    assert after is not None
    assert (after.status, after.hours) == ("draft", "9am-5pm")
    assert after.verified_by == before.verified_by  # the last check stays on record
    edit = changes(database, "mohr-helpline")[-1]
    assert (edit.action, edit.changed_by) == ("edit", "Erum")
    assert edit.details == {"hours": "9am-5pm", "status": "draft"}
    shown = erum.get(saved.headers["location"]).text
    assert "Survivors are not pointed to it until someone verifies it" in shown
    assert "hours: 9am-5pm; status: draft" in shown  # the history says what changed


def test_an_edit_is_checked_by_the_import_rules(editors_app: FastAPI, database: Database) -> None:
    erum = signed_in(editors_app, "erum")
    response = erum.post("/console/directory/mohr-helpline",
                         data={"name_en": "", "service_type": ["spa"], "phones": "call us",
                               "scope": "province", "csrf": token(erum)})  # fmt: skip
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "name needs at least an English name" in page
    assert "unknown: ['spa']" in page and "phone numbers must be digits" in page
    assert "unknown province(s)" in page
    assert listing(database, "mohr-helpline").status == "verified"  # type: ignore[union-attr]


def test_verify_records_who_when_and_how_and_sets_the_next_check(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    add_kasur_shelter(erum)
    refused = erum.post("/console/directory/kasur-safe-house/verify",
                        data={"how": "a dream", "csrf": token(erum)})  # fmt: skip
    assert refused.status_code == 422 and "say how you checked it" in refused.text
    assert listing(database, "kasur-safe-house").status == "draft"  # type: ignore[union-attr]

    response = erum.post("/console/directory/kasur-safe-house/verify",
                         data={"how": "phone call", "note": "Spoke to the warden",
                               "csrf": token(erum)})  # fmt: skip
    assert response.headers["location"] == "/console/directory/kasur-safe-house?done=verified"
    checked = listing(database, "kasur-safe-house")
    assert checked is not None
    assert (checked.status, checked.verified_by) == ("verified", "Erum")
    assert checked.next_check_due == TODAY + timedelta(days=RECHECK_DAYS)
    assert checked.verified_at is not None
    verified = changes(database, "kasur-safe-house")[-1]
    assert (verified.action, verified.changed_by, verified.details["how"],
            verified.details["note"]) == ("verify", "Erum", "phone call",
                                          "Spoke to the warden")  # fmt: skip
    page = erum.get(response.headers["location"]).text
    assert "by phone call; Spoke to the warden; next check" in page
    assert ">verified</span>" in page


def test_expire_and_suspend_need_a_reason_and_take_the_listing_out(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    url = "/console/directory/mohr-helpline/status"
    assert erum.post(url, data={"status": "expired", "csrf": token(erum)}).status_code == 422
    assert erum.post(url, data={"status": "verified", "reason": "x",
                                "csrf": token(erum)}).status_code == 422  # fmt: skip
    assert listing(database, "mohr-helpline").status == "verified"  # type: ignore[union-attr]
    response = erum.post(url, data={"status": "suspended", "reason": "number rings out",
                                    "csrf": token(erum)})  # fmt: skip
    assert response.headers["location"] == "/console/directory/mohr-helpline?done=suspended"
    assert listing(database, "mohr-helpline").status == "suspended"  # type: ignore[union-attr]
    last = changes(database, "mohr-helpline")[-1]
    assert (last.action, last.changed_by, last.details) == (
        "suspended", "Erum", {"reason": "number rings out"},
    )  # fmt: skip


def set_checks(database: Database, **due: date | None) -> None:
    """Every listing verified well ahead, except those named (None: never checked)."""
    with database.session() as session:
        for item in session.scalars(select(ServiceListing)):
            key = item.id.replace("-", "_")
            item.next_check_due = due[key] if key in due else TODAY + timedelta(days=100)
            item.status = (
                ListingStatus.VERIFIED if item.next_check_due else ListingStatus.TO_CONFIRM
            )


def test_the_due_list_is_never_checked_then_oldest_first_each_with_verify(
    editors_app: FastAPI, database: Database
) -> None:
    set_checks(database, mohr_helpline=TODAY + timedelta(days=5),
               madadgaar_1098=TODAY - timedelta(days=10), rescue_1122=None,
               police_emergency=TODAY + timedelta(days=30))  # fmt: skip
    erum = signed_in(editors_app, "erum")
    page = erum.get("/console/directory/due").text
    assert listed(page, "due") == ["rescue-1122", "madadgaar-1098", "mohr-helpline"]
    assert page.count('action="/console/directory/madadgaar-1098/verify"') == 1
    assert "check overdue since" in page and "never checked" in page
    response = erum.post("/console/directory/madadgaar-1098/verify",
                         data={"how": "visit", "back": "due", "csrf": token(erum)})  # fmt: skip
    assert response.headers["location"] == "/console/directory/due?done=verified"
    assert listed(erum.get("/console/directory/due").text, "due") == ["rescue-1122",
                                                                       "mohr-helpline"]  # fmt: skip


def test_the_list_filters_by_status_place_kind_and_name(
    editors_app: FastAPI, database: Database
) -> None:
    set_checks(database, mohr_helpline=TODAY + timedelta(days=5))
    erum = signed_in(editors_app, "erum")
    add_kasur_shelter(erum)

    def ids(**params: str) -> list[str]:
        return re.findall(r'<tr data-listing="([^"]+)"',
                          erum.get("/console/directory", params=params).text)  # fmt: skip

    assert ids(status="due") == ["mohr-helpline"]
    assert ids(status="draft") == ["kasur-safe-house"]
    in_kasur = ids(district="kasoor")  # its own listings, and Punjab's
    assert "kasur-safe-house" in in_kasur and "punjab-women-helpline-1043" in in_kasur
    assert "mohr-helpline" not in in_kasur  # national: it would be in every list
    assert "kasur-safe-house" not in ids(district="Lahore")
    assert "kasur-safe-house" in ids(province="Punjab")
    assert "kasur-safe-house" not in ids(province="Sindh")
    assert "kasur-safe-house" in ids(kind="counselling")
    assert "kasur-safe-house" not in ids(kind="police")
    assert ids(q="قصور") == ids(q="DARUL aman") == ["kasur-safe-house"]
    unknown = erum.get("/console/directory", params={"district": "Atlantis"})
    assert "There is no district called 'Atlantis'" in html.unescape(unknown.text)


GOOD_CSV = (
    "id,name_en,name_ur,service_types,coverage,places,phones,status\n"
    "kasur-legal,Kasur legal aid,قصور قانونی مدد,legal_aid,district,Kasur,049-2222222,draft\n"
)


def upload(client: TestClient, name: str, content: bytes | str, mode: str) -> Any:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/console/directory/import", data={"csrf": token(client), "mode": mode},
                       files={"file": (name, data, "text/csv")})  # fmt: skip


def test_an_import_with_a_bad_row_writes_nothing_and_names_each_problem(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    bad = GOOD_CSV + "broken,,,spa,district,Atlantis,call us,draft\n"
    response = upload(erum, "listings.csv", bad, "import")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Nothing was imported" in page
    assert "line 3: unknown district 'Atlantis'" in page
    assert "line 3: name needs at least an English name" in page
    assert listing(database, "kasur-legal") is None and changes(database, "kasur-legal") == []


def test_a_good_file_is_checked_then_imported(editors_app: FastAPI, database: Database) -> None:
    erum = signed_in(editors_app, "erum")
    checked = upload(erum, "listings.csv", GOOD_CSV, "check")
    assert checked.status_code == 200
    assert "importing this file would add 1 listing and update 0" in checked.text
    assert listing(database, "kasur-legal") is None  # a check writes nothing
    imported = upload(erum, "listings.csv", "\ufeff" + GOOD_CSV, "import")  # from a spreadsheet
    assert imported.status_code == 200 and "Imported: 1 listing added, 0 updated." in imported.text
    added = listing(database, "kasur-legal")
    assert added is not None and (added.status, added.districts) == ("draft", ["Kasur"])
    (change,) = changes(database, "kasur-legal")
    assert (change.action, change.changed_by) == ("import", "Erum")


@pytest.mark.parametrize(
    ("name", "content", "status", "says"),
    [
        ("huge.csv", b"id\n" + b"x" * (2 * 1024 * 1024), 413, "larger than 2 MB"),
        ("huger.csv", b"x" * (3 * 1024 * 1024), 413, "larger than 2 MB"),  # never parsed
        ("listings.xlsx", b"PK\x03\x04", 422, "must be CSV (.csv) or YAML"),
        ("latin1.csv", "id,name_en\nx,Café\n".encode("latin-1"), 422, "not UTF-8"),
        ("empty.yaml", b"entries: []\n", 422, "the file has no listings"),
        ("bad.yaml", b"entries:\n  - id: x\n    name: {en: [unclosed\n", 422, "not valid YAML"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_clearly(
    editors_app: FastAPI, name: str, content: bytes, status: int, says: str
) -> None:
    erum = signed_in(editors_app, "erum")
    response = upload(erum, name, content, "import")
    assert response.status_code == status
    assert says in html.unescape(response.text)


def test_the_export_imports_back_unchanged(editors_app: FastAPI, database: Database) -> None:
    erum = signed_in(editors_app, "erum")
    add_kasur_shelter(erum)
    response = erum.get("/console/directory/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    text = response.content.decode("utf-8-sig")
    records, problems = parse_records(text, csv_format=True)
    listings, more = validate(records, GAZETTEER, today=TODAY)
    assert problems == more == []
    with database.session() as session:
        before = {item.id: _facts(item) for item in session.scalars(select(ServiceListing))}
    assert {fields["id"] for fields in listings} == before.keys()
    again = upload(erum, "export.csv", response.content, "import")
    assert again.status_code == 200 and f"0 listings added, {len(before)} updated" in again.text
    with database.session() as session:
        after = {item.id: _facts(item) for item in session.scalars(select(ServiceListing))}
    assert after == before


def _facts(item: ServiceListing) -> tuple[object, ...]:
    return (item.names, item.descriptions, item.service_types, item.scope, item.provinces,
            item.districts, item.phones, item.hours, item.languages, item.women_staff,
            item.serves, item.cost, item.emergency, item.status, item.verified_by,
            item.next_check_due, item.source, item.source_date)  # fmt: skip
