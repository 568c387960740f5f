"""The service directory for editors and admins (issue 17): every listing and where it stands
in its checks, adding and editing one (a change is a draft until someone verifies it),
verifying by phone call, visit or official source, the due list, import and export.

A listing is checked by the importer's own rules (`check_entry`, `validate`), so the console
and `rahnuma services import` refuse the same things.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from bot.console import audit
from bot.console.access import Staff, checked_form, need
from bot.console.auth import SignedIn
from bot.console.dependencies import AppSettings, Db
from bot.console.rendering import page
from bot.console.texts_page import EDITING
from bot.directory.curation import (
    DUE_SOON_DAYS,
    VERIFICATION_METHODS,
    check_state,
    set_status,
    verify,
)
from bot.directory.gazetteer import Gazetteer, load_gazetteer
from bot.directory.importer import (
    SHORT_FIELD_LENGTH,
    apply,
    check_entry,
    export_records,
    parse_records,
    validate,
    write_csv,
)
from bot.directory.listings import AUDIENCES, SCOPES, SERVICE_TYPES, due_for_check
from bot.store import ListingChange, ListingStatus, ServiceListing, StaffMember

router = APIRouter()
# The importer's rule for ids: the path refuses anything else before a query runs.
ListingId = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
# Pages beside /directory/{id}: a listing with one of these ids could never be opened.
RESERVED_IDS = frozenset({"new", "due", "import"})
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_FORM_OVERHEAD = 64 * 1024  # the multipart boundaries and the other fields around the file
LANGUAGES = {"en": "English", "ur": "Urdu", "ur_Latn": "Roman Urdu"}
RIGHT_TO_LEFT = {"ur"}
STATES = {
    "verified": "verified", "due": "due", "to_confirm": "to confirm", "draft": "draft",
    "expired": "expired", "suspended": "suspended",
}  # fmt: skip
KINDS = {kind: kind.replace("_", " ") for kind in SERVICE_TYPES}
STOPPING = ("expired", "suspended")  # what an editor may set besides verify and draft
NOTICES = {
    "added": "Listing added as a draft. Survivors see it once someone verifies it.",
    "saved": "Saved as a draft. Survivors are not pointed to it until someone verifies it.",
    "nothing": "Nothing changed.",
    "verified": "Verified. Survivors are pointed to it until its next check.",
    "expired": "Expired. It left every survivor's answer at once.",
    "suspended": "Suspended. It left every survivor's answer at once.",
}


@dataclass(frozen=True)
class ListingRow:
    """A listing as the list and the due list show it."""

    listing: ServiceListing
    state: str
    area: str
    overdue: bool  # verified, but its check has passed: survivors no longer see it


def listing_row(listing: ServiceListing, today: date) -> ListingRow:
    state = check_state(listing, today=today)
    area = {"national": "National", "province": ", ".join(listing.provinces)}.get(
        listing.scope, ", ".join(listing.districts)
    )
    due = listing.next_check_due
    return ListingRow(listing, state, area, state == "due" and due is not None and due < today)


@dataclass
class ListingForm:
    """What the add and edit page's boxes hold, so that a refused form comes back as typed."""

    id: str = ""
    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    service_types: list[str] = field(default_factory=list)
    scope: str = "national"
    provinces: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    phones: str = ""  # one a line
    other_contacts: str = ""  # one a line
    hours: str = ""
    languages: str = ""  # comma separated
    women_staff: str = ""  # yes, no, or "" for not known
    serves: list[str] = field(default_factory=list)
    cost: str = ""
    emergency: bool = False
    source: str = ""
    source_date: str = ""

    @classmethod
    def of(cls, listing: ServiceListing) -> ListingForm:
        women = "" if listing.women_staff is None else ("yes" if listing.women_staff else "no")
        return cls(
            id=listing.id, names=dict(listing.names), descriptions=dict(listing.descriptions),
            service_types=list(listing.service_types), scope=listing.scope,
            provinces=list(listing.provinces), districts=list(listing.districts),
            phones="\n".join(listing.phones), other_contacts="\n".join(listing.other_contacts),
            hours=listing.hours, languages=", ".join(listing.languages), women_staff=women,
            serves=list(listing.serves), cost=listing.cost, emergency=listing.emergency,
            source=listing.source,
            source_date=listing.source_date.isoformat() if listing.source_date else "",
        )  # fmt: skip

    @classmethod
    def submitted(cls, form: FormData, listing_id: str) -> ListingForm:
        def text(name: str) -> str:
            return str(form.get(name) or "").replace("\r\n", "\n").strip()

        def ticked(name: str) -> list[str]:
            return [str(v).strip() for v in form.getlist(name) if str(v).strip()]

        return cls(
            id=listing_id, names={lang: text(f"name_{lang}") for lang in LANGUAGES},
            descriptions={lang: text(f"description_{lang}") for lang in LANGUAGES},
            service_types=ticked("service_type"), scope=text("scope") or "national",
            provinces=ticked("province"), districts=ticked("district"), phones=text("phones"),
            other_contacts=text("other_contacts"), hours=text("hours"),
            languages=text("languages"), women_staff=text("women_staff"),
            serves=ticked("serves"), cost=text("cost"), emergency=bool(form.get("emergency")),
            source=text("source"), source_date=text("source_date"),
        )  # fmt: skip

    def entry(self) -> dict[str, Any]:
        """The form as an import file's entry, a draft, for the importer's rules to check."""
        places = {"province": self.provinces, "district": self.districts}.get(self.scope, [])
        return {
            "id": self.id,
            "name": {lang: text for lang, text in self.names.items() if text},
            "description": {lang: text for lang, text in self.descriptions.items() if text},
            "service_types": self.service_types,
            "coverage": "national" if self.scope == "national" else {f"{self.scope}s": places},
            "phones": _items(self.phones, r"[\n;,]"),
            "other_contacts": _items(self.other_contacts, r"\n"),
            "hours": self.hours,
            "languages": _items(self.languages, r"[,;\s]+"),
            "women_staff": {"yes": True, "no": False}.get(self.women_staff),
            "serves": self.serves,
            "cost": self.cost,
            "emergency": self.emergency,
            "status": "draft",
            "source": self.source,
            "source_date": self.source_date,
        }


def _items(text: str, separators: str) -> list[str]:
    return [item.strip() for item in re.split(separators, text) if item.strip()]


@dataclass(frozen=True)
class Filters:
    """The list's filters, as the editor chose them."""

    q: str = ""
    province: str = ""
    district: str = ""
    kind: str = ""
    status: str = ""

    def keeps(self, row: ListingRow, gazetteer: Gazetteer) -> bool:
        listing = row.listing
        words = self.q.lower()
        names = [listing.id, *listing.names.values()]
        return (
            (not words or any(words in name.lower() for name in names))
            and (not self.kind or self.kind in listing.service_types)
            and (not self.status or row.state == self.status)
            and (not self.province or self.province in _provinces_of(listing, gazetteer))
            and (not self.district or _serves_district(listing, self.district, gazetteer))
        )


def _provinces_of(listing: ServiceListing, gazetteer: Gazetteer) -> set[str]:
    """The provinces a local listing serves (in part, for a district listing)."""
    if listing.scope == "province":
        return set(listing.provinces)
    return {gazetteer.districts[d].province for d in listing.districts if d in gazetteer.districts}


def _serves_district(listing: ServiceListing, district: str, gazetteer: Gazetteer) -> bool:
    """A district's own listings and its province's; national ones serve everywhere and
    would fill every filtered list, so the filter leaves them out."""
    if listing.scope == "district":
        return district in listing.districts
    place = gazetteer.districts.get(district)
    return listing.scope == "province" and place is not None and place.province in listing.provinces


def _places(gazetteer: Gazetteer) -> dict[str, object]:
    """Provinces and districts from the gazetteer, for the pages' selects and datalist."""
    return {
        "provinces": sorted(gazetteer.province_ur),
        "districts": sorted(gazetteer.districts.values(), key=lambda d: d.name),
        "languages": LANGUAGES, "rtl": RIGHT_TO_LEFT, "states": STATES, "kinds": KINDS,
    }  # fmt: skip


@router.get("/directory")
async def directory_page(
    request: Request,
    me: Staff,
    settings: AppSettings,
    db: Db,
    q: str = "",
    province: str = "",
    district: str = "",
    kind: str = "",
    status: str = "",
    done: str = "",
) -> Response:
    need(me, *EDITING)
    gazetteer = load_gazetteer(settings.gazetteer_file)
    problem = ""
    place = gazetteer.resolve(district) if district.strip() else None
    if district.strip() and (place is None or place.district is None):
        problem = f"There is no district called {district[:100]!r}: pick one from the list."
    filters = Filters(
        q=q.strip()[:200],
        province=province if province in gazetteer.province_ur else "",
        district=place.district.name if place and place.district else "",
        kind=kind if kind in SERVICE_TYPES else "",
        status=status if status in STATES else "",
    )
    today = date.today()
    with db.session() as session:
        listings = session.scalars(select(ServiceListing).order_by(ServiceListing.id)).all()
    rows = [listing_row(listing, today) for listing in listings]
    shown = [row for row in rows if filters.keeps(row, gazetteer)]
    counts = {state: sum(row.state == state for row in rows) for state in STATES}
    return page(request, "directory.html", me, rows=shown, total=len(rows), counts=counts,
                filters=filters, typed_district=district[:100], problem=problem,
                notice=NOTICES.get(done, ""), due_soon=DUE_SOON_DAYS,
                **_places(gazetteer))  # fmt: skip


@router.get("/directory/due")
async def due_page(request: Request, me: Staff, settings: AppSettings, db: Db,
                   done: str = "") -> Response:  # fmt: skip
    """The work queue: listings to confirm or re-check, never checked and oldest first;
    then drafts (new or changed listings), the longest waiting first."""
    need(me, *EDITING)
    today = date.today()
    with db.session() as session:
        due = due_for_check(session, today=today, within_days=DUE_SOON_DAYS)
        drafts = session.scalars(
            select(ServiceListing)
            .where(ServiceListing.status == ListingStatus.DRAFT)
            .order_by(ServiceListing.updated_at, ServiceListing.id)
        ).all()
    return page(request, "directory_due.html", me, today=today,
                due=[listing_row(listing, today) for listing in due],
                drafts=[listing_row(listing, today) for listing in drafts],
                methods=VERIFICATION_METHODS, notice=NOTICES.get(done, ""),
                **_places(load_gazetteer(settings.gazetteer_file)))  # fmt: skip


@router.get("/directory/new")
async def new_listing_page(request: Request, me: Staff, settings: AppSettings) -> Response:
    need(me, *EDITING)
    return _form_page(request, me, settings, ListingForm())


@router.post("/directory/new")
async def new_listing_save(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)  # its dict folds the ticked boxes: read them below
    submitted = await request.form()
    typed = ListingForm.submitted(submitted, "")
    typed.id = _new_id(str(submitted.get("id") or ""), typed.names.get("en", ""))
    fields, problems = check_entry(typed.entry(), load_gazetteer(settings.gazetteer_file),
                                   today=date.today())  # fmt: skip
    if typed.id in RESERVED_IDS:
        problems.append(f"the id {typed.id!r} is the name of a page: choose another")
    with db.session() as session:
        if session.get(ServiceListing, typed.id) is not None:
            problems.append(f"a listing with the id {typed.id!r} exists already: choose another")
        if fields is None or problems:
            return _form_page(request, me, settings, typed, problems=problems)
        staff = session.get_one(StaffMember, me.staff.id)
        apply(session, [fields], by=staff.display_name, action="add")
        audit.record(session, staff, "listing added", detail=typed.id)
    return RedirectResponse(f"/console/directory/{typed.id}?done=added", status_code=303)


def _new_id(typed: str, english_name: str) -> str:
    """The id typed, or one made from the English name ("Women's Shelter" -> womens-shelter)."""
    name = re.sub(r"['’]", "", english_name.lower())
    return (typed.strip().lower() or re.sub(r"[^a-z0-9]+", "-", name).strip("-"))[:64]


@router.get("/directory/import")
async def import_page(request: Request, me: Staff) -> Response:
    need(me, *EDITING)
    return page(request, "directory_import.html", me, max_mb=MAX_UPLOAD_BYTES // 2**20)


@router.post("/directory/import")
async def import_file(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    """Check an uploaded file whole; write it only if every row is right and the editor
    asked to import (not only to check)."""
    need(me, *EDITING)
    length = request.headers.get("content-length", "")
    if not length.isdigit():  # browsers always say; without it the size is known too late
        return _import_result(request, me, ["the upload did not say its size: send it again"],
                              status=411)  # fmt: skip
    if int(length) > MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
        return _import_result(request, me, [_too_big()], status=413)  # before reading it
    form = await checked_form(request, me)
    try:
        filename, text = await _uploaded_text(await request.form())
    except UploadRefusedError as refused:
        return _import_result(request, me, [str(refused)], status=refused.status)
    records, problems = parse_records(text, csv_format=filename.endswith(".csv"))
    listings, more = validate(records, load_gazetteer(settings.gazetteer_file),
                              today=date.today())  # fmt: skip
    problems += more
    if problems or not listings:
        found = [str(p) for p in problems] or ["the file has no listings"]
        return _import_result(request, me, found, status=422)
    with db.session() as session:
        known = set(session.scalars(select(ServiceListing.id)))
        new = [item["id"] for item in listings if item["id"] not in known]
        if form.get("mode") != "import":
            return _import_result(request, me, [], new=new, updated=len(listings) - len(new))
        staff = session.get_one(StaffMember, me.staff.id)
        apply(session, listings, by=staff.display_name)
        counted = f"{len(new)} new, {len(listings) - len(new)} updated"
        audit.record(session, staff, "directory imported", detail=f"{filename[:100]}: {counted}")
    return _import_result(request, me, [], new=new, updated=len(listings) - len(new), done=True)


class UploadRefusedError(Exception):
    """An upload that can't be read: what to tell the editor, and the status that says so."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


async def _uploaded_text(form: FormData) -> tuple[str, str]:
    """The uploaded file's name (lowercase) and text."""
    upload = form.get("file")
    try:
        content = await upload.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else b""
    finally:
        await form.close()  # the spooled copies on disk go now, not when collected
    if not isinstance(upload, UploadFile):
        raise UploadRefusedError("choose a file to upload")
    filename = (upload.filename or "").lower()
    if not filename.endswith((".csv", ".yaml", ".yml")):
        raise UploadRefusedError("the file must be CSV (.csv) or YAML (.yaml, .yml), as exported")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRefusedError(_too_big(), status=413)
    try:
        return filename, content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefusedError(
            "the file is not UTF-8 text: in a spreadsheet, save it as 'CSV UTF-8'"
        ) from None


def _too_big() -> str:
    return f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: split it into smaller files"


def _import_result(
    request: Request,
    me: SignedIn,
    problems: list[str],
    *,
    status: int = 200,
    new: list[str] | None = None,
    updated: int = 0,
    done: bool = False,
) -> Response:
    response = page(request, "directory_import.html", me, problems=problems, new=new,
                    updated=updated, done=done, max_mb=MAX_UPLOAD_BYTES // 2**20)  # fmt: skip
    response.status_code = status
    return response


@router.get("/directory/export.csv")
async def export_csv(me: Staff, db: Db) -> Response:
    need(me, *EDITING)
    out = io.StringIO()
    with db.session() as session:
        write_csv(export_records(session), out)
        audit.record(session, session.get_one(StaffMember, me.staff.id), "directory exported")
    filename = f"rahnuma-directory-{date.today().isoformat()}.csv"
    # A byte-order mark, so that spreadsheets read the Urdu as UTF-8 (the importer skips it).
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/directory/{listing_id}")
async def listing_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, listing_id: ListingId,
    done: str = "",
) -> Response:  # fmt: skip
    need(me, *EDITING)
    with db.session() as session:
        listing = _listing(session, listing_id)
        return _form_page(request, me, settings, ListingForm.of(listing), (session, listing),
                          notice=NOTICES.get(done, ""))  # fmt: skip


@router.post("/directory/{listing_id}")
async def listing_save(
    request: Request, me: Staff, settings: AppSettings, db: Db, listing_id: ListingId
) -> Response:
    """An edit makes the listing a draft: survivors are not pointed to it again until
    someone has checked the changed facts. Its last verification stays on record."""
    need(me, *EDITING)
    await checked_form(request, me)
    typed = ListingForm.submitted(await request.form(), listing_id)
    fields, problems = check_entry(typed.entry(), load_gazetteer(settings.gazetteer_file),
                                   today=date.today())  # fmt: skip
    with db.session() as session:
        listing = _listing(session, listing_id)
        if fields is None:
            return _form_page(request, me, settings, typed, (session, listing), problems)
        fields.update(verified_by=listing.verified_by, verified_at=listing.verified_at,
                      next_check_due=listing.next_check_due)  # fmt: skip
        if all(getattr(listing, name) == value for name, value in fields.items()
               if name != "status"):  # fmt: skip
            return RedirectResponse(f"/console/directory/{listing_id}?done=nothing",
                                    status_code=303)  # fmt: skip
        staff = session.get_one(StaffMember, me.staff.id)
        apply(session, [fields], by=staff.display_name, action="edit")
        audit.record(session, staff, "listing edited", detail=listing_id)
    return RedirectResponse(f"/console/directory/{listing_id}?done=saved", status_code=303)


@router.post("/directory/{listing_id}/verify")
async def listing_verify(
    request: Request, me: Staff, settings: AppSettings, db: Db, listing_id: ListingId
) -> Response:
    """The signed-in person checked the listing now, in the way they name."""
    need(me, *EDITING)
    form = await checked_form(request, me)
    how, note = form.get("how", ""), form.get("note", "").strip()[:300]
    with db.session() as session:
        listing = _listing(session, listing_id)
        if how not in VERIFICATION_METHODS:
            problem = f"say how you checked it: {', '.join(VERIFICATION_METHODS)}"
            return _form_page(request, me, settings, ListingForm.of(listing),
                              (session, listing), [problem], refused="Not verified")  # fmt: skip
        staff = session.get_one(StaffMember, me.staff.id)
        verify(session, listing_id, by=staff.display_name, today=date.today(), how=how,
               note=note)  # fmt: skip
        audit.record(session, staff, "listing verified", detail=f"{listing_id} by {how}")
    back = "due" if form.get("back") == "due" else listing_id  # where the Verify button was
    return RedirectResponse(f"/console/directory/{back}?done=verified", status_code=303)


@router.post("/directory/{listing_id}/status")
async def listing_status(
    request: Request, me: Staff, settings: AppSettings, db: Db, listing_id: ListingId
) -> Response:
    """Expire or suspend a listing, with the reason kept in its history."""
    need(me, *EDITING)
    form = await checked_form(request, me)
    status, reason = form.get("status", ""), form.get("reason", "").strip()[:300]
    with db.session() as session:
        listing = _listing(session, listing_id)
        if status not in STOPPING or not reason:
            problem = "choose expire or suspend, and give the reason"
            return _form_page(request, me, settings, ListingForm.of(listing),
                              (session, listing), [problem], refused="Not changed")  # fmt: skip
        staff = session.get_one(StaffMember, me.staff.id)
        set_status(session, listing_id, status, by=staff.display_name, reason=reason)
        audit.record(session, staff, f"listing {status}", detail=listing_id)
    return RedirectResponse(f"/console/directory/{listing_id}?done={status}", status_code=303)


def _listing(session: Session, listing_id: str) -> ServiceListing:
    listing = session.get(ServiceListing, listing_id)
    if listing is None:
        raise HTTPException(status_code=404, detail="there is no such listing")
    return listing


@dataclass(frozen=True)
class HistoryRow:
    """One change to a listing, as its page's history shows it."""

    when: datetime
    who: str
    action: str
    what: str


def _history(session: Session, listing: ServiceListing) -> list[HistoryRow]:
    changes = session.scalars(
        select(ListingChange)
        .where(ListingChange.listing_id == listing.id)
        .order_by(ListingChange.id.desc())
        .limit(100)
    )
    return [HistoryRow(c.changed_at, c.changed_by, c.action, _what(c)) for c in changes]


def _what(change: ListingChange) -> str:
    """A change's details as one line: how a check was made, or which facts changed."""
    details = change.details or {}
    if change.action == "verify":
        parts = [f"by {details['how']}" if details.get("how") else "",
                 details.get("note", ""), f"next check {details.get('due', '?')}"]  # fmt: skip
        return "; ".join(part for part in parts if part)
    if "reason" in details:
        return str(details["reason"] or "no reason given")
    if change.action != "edit":  # a new listing: what it has, not every empty field
        details = {
            name: value for name, value in details.items() if value not in (None, "", [], {})
        }
    return "; ".join(f"{name}: {_shown(value)}" for name, value in details.items())[:600]


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "—" if value in (None, "") else str(value)


def _form_page(
    request: Request,
    me: SignedIn,
    settings: AppSettings,
    form: ListingForm,
    listing: tuple[Session, ServiceListing] | None = None,
    problems: list[str] | None = None,
    notice: str = "",
    refused: str = "Not saved",
) -> Response:
    """The add or edit page with these values in its boxes (never losing what was typed),
    and for an existing listing (read in its session) where it stands and its history."""
    gazetteer = load_gazetteer(settings.gazetteer_file)
    row = listing_row(listing[1], date.today()) if listing else None
    history = _history(*listing) if listing else []
    response = page(request, "directory_listing.html", me, form=form, row=row,
                    history=history, problems=problems or [], refused=refused, notice=notice,
                    methods=VERIFICATION_METHODS, scopes=SCOPES, audiences=AUDIENCES,
                    stopping=STOPPING, short=SHORT_FIELD_LENGTH,
                    **_places(gazetteer))  # fmt: skip
    if problems:
        response.status_code = 422
    return response
