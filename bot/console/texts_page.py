"""Editors' pages: every survivor-facing text in three languages, drafts, their review by a
second person, and the history of publications with one-click restore (issue 17)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from bot.config import Settings
from bot.console import audit
from bot.console.access import Staff, checked_form, need
from bot.console.auth import SignedIn
from bot.console.dependencies import MAX_ROW_ID, AppSettings, Db, RowId
from bot.console.rendering import page
from bot.editing.drafts import (
    DraftConflictError,
    DraftError,
    TwoPersonRuleError,
    approve,
    as_sent,
    flow_of,
    languages,
    needs_translation,
    notes_on,
    open_drafts,
    reject,
    save_draft,
    working_texts,
)
from bot.editing.flows import flows_waiting, is_flow_version
from bot.editing.publish import UnknownVersionError, restore, served_locales
from bot.store import Publication, Role, StaffMember

router = APIRouter()
EDITING = (Role.EDITOR, Role.ADMIN)
RIGHT_TO_LEFT = {"ur"}  # languages written right to left, in the Nastaliq typeface
NAMES = {"en": "English", "ur": "Urdu", "ur_Latn": "Roman Urdu"}

NOTICES = {
    "saved": "Draft saved. It goes live when another editor approves it.",
    "nothing": "Nothing changed: every text is as it was.",
    "published": "Published: new conversations read it now.",
    "restored": "Restored: new conversations read that version again.",
    "rejected": "The draft was sent back.",
}


@dataclass(frozen=True)
class TextRow:
    key: str
    texts: dict[str, str]
    drafts: int
    to_translate: set[str]


@router.get("/texts")
async def texts_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, q: str = "", done: str = ""
) -> Response:
    need(me, *EDITING)
    words = q.strip().lower()[:200]
    with db.session() as session:
        drafts = open_drafts(session)
        behind = needs_translation(session, languages(settings.locales_dir))
    waiting: dict[str, int] = {}
    for draft in drafts:
        waiting[draft.key] = waiting.get(draft.key, 0) + 1
    groups: dict[str, list[TextRow]] = {}
    for key, texts in sorted(working_texts(settings.locales_dir).items()):
        if (
            words
            and words not in key.lower()
            and not any(words in text.lower() for text in texts.values())
        ):
            continue
        row = TextRow(key, texts, waiting.get(key, 0), behind.get(key, set()))
        groups.setdefault(flow_of(key), []).append(row)
    return page(request, "texts.html", me, groups=groups, q=q, notice=NOTICES.get(done, ""),
                **_languages(settings))  # fmt: skip


@router.get("/texts/{key}")
async def text_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, key: str, problem: str = ""
) -> Response:
    need(me, *EDITING)
    texts = working_texts(settings.locales_dir).get(key)
    if texts is None:
        raise HTTPException(status_code=404, detail="there is no such text")
    with db.session() as session:
        mine = {d.language: d.text for d in open_drafts(session)
                if d.key == key and d.author_id == me.staff.id}  # fmt: skip
    editing = {language: mine.get(language, texts.get(language, ""))
               for language in languages(settings.locales_dir)}  # fmt: skip
    return _edit_page(request, me, settings, key, editing, set(mine), problem[:300])


def _edit_page(
    request: Request,
    me: SignedIn,
    settings: Settings,
    key: str,
    editing: dict[str, str],
    drafted: set[str],
    problem: str = "",
) -> Response:
    """The edit page with these texts in its boxes: what the editor typed is never lost."""
    texts = working_texts(settings.locales_dir).get(key, {})
    notes = {language: notes_on(settings, language, key, t) for language, t in editing.items()}
    sent = {language: as_sent(settings, language, key, t) for language, t in editing.items()}
    response = page(request, "text_edit.html", me, key=key, texts=texts, editing=editing,
                    notes=notes, sent=sent, drafted=drafted, problem=problem,
                    **_languages(settings))  # fmt: skip
    if problem:
        response.status_code = 422
    return response


@router.post("/texts/{key}")
async def text_save(
    request: Request, me: Staff, settings: AppSettings, db: Db, key: str
) -> Response:
    need(me, *EDITING)
    form = await checked_form(request, me)
    texts = working_texts(settings.locales_dir).get(key)
    if texts is None:
        raise HTTPException(status_code=404, detail="there is no such text")
    submitted = {
        language: form[f"text_{language}"].replace("\r\n", "\n").strip()
        for language in languages(settings.locales_dir)
        if f"text_{language}" in form
    }
    saved = []
    try:
        with db.session() as session:
            author = session.get_one(StaffMember, me.staff.id)
            for language, text in submitted.items():
                if text == texts.get(language, "").strip():
                    continue
                save_draft(session, settings, author, language, key, text)
                saved.append(language)
            if saved:
                audit.record(session, author, "text draft saved", detail=f"{key} {','.join(saved)}")
    except DraftError as refused:  # nothing saved; the boxes keep what was typed
        editing = {language: submitted.get(language, texts.get(language, ""))
                   for language in languages(settings.locales_dir)}  # fmt: skip
        return _edit_page(request, me, settings, key, editing, set(), str(refused)[:300])
    return RedirectResponse(
        f"/console/review?done={'saved' if saved else 'nothing'}", status_code=303
    )


@router.post("/texts-notes")
async def text_notes(request: Request, me: Staff, settings: AppSettings) -> Response:
    """What the edit page shows while typing: segments, encoding and the check's problems."""
    need(me, *EDITING)
    form = await checked_form(request, me)
    language, key = form.get("language", ""), form.get("key", "")
    if language not in languages(settings.locales_dir):
        raise HTTPException(status_code=422, detail="unknown language")
    text = form.get("text", "")[:2000]
    notes = notes_on(settings, language, key, text)
    sent = [asdict(reply) for reply in as_sent(settings, language, key, text)]
    return JSONResponse({"encoding": notes.encoding, "segments": notes.segments,
                         "problems": notes.problems, "sent": sent})  # fmt: skip


@router.get("/review")
async def review_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, done: str = "", problem: str = ""
) -> Response:
    need(me, *EDITING)
    with db.session() as session:
        drafts = open_drafts(session)
        flow_drafts = flows_waiting(session, settings)  # the flows' own section (flows_page)
    return page(request, "review.html", me, drafts=drafts, notice=NOTICES.get(done, ""),
                problem=problem[:600], flow_drafts=flow_drafts,
                **_languages(settings))  # fmt: skip


@router.post("/review/approve")
async def review_approve(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)  # the ids are repeated fields, which its dict folds
    fields = [str(v) for v in (await request.form()).getlist("draft")]
    ids = [int(v) for v in fields if v.isdigit() and int(v) <= MAX_ROW_ID]
    with db.session() as session:
        reviewer = session.get_one(StaffMember, me.staff.id)
    try:
        result = await run_in_threadpool(approve, settings, db, ids, reviewer)
    except (DraftError, TwoPersonRuleError, DraftConflictError) as refused:
        return _review_problem(str(refused))
    if not result.ok:
        return _review_problem(
            "Not published, the check found: " + " ".join(f.problem for f in result.findings)
        )
    with db.session() as session:
        audit.record(session, reviewer, "texts published", detail=",".join(result.changed_keys))
    return RedirectResponse("/console/history?done=published", status_code=303)


@router.post("/review/{draft_id}/reject")
async def review_reject(request: Request, me: Staff, db: Db, draft_id: RowId) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        with db.session() as session:
            reviewer = session.get_one(StaffMember, me.staff.id)
            reject(session, draft_id, reviewer)
            audit.record(session, reviewer, "text draft sent back", detail=str(draft_id))
    except DraftError as refused:
        return _review_problem(str(refused))
    return RedirectResponse("/console/review?done=rejected", status_code=303)


@router.get("/history")
async def history_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, done: str = ""
) -> Response:
    need(me, *EDITING)
    with db.session() as session:
        publications = list(
            session.scalars(select(Publication).order_by(Publication.id.desc()).limit(100))
        )
    current = served_locales(settings).parent.name
    return page(request, "history.html", me, publications=publications, current=current,
                notice=NOTICES.get(done, ""), is_flow_version=is_flow_version,
                **_languages(settings))  # fmt: skip


@router.post("/history/{version}/restore")
async def history_restore(
    request: Request, me: Staff, settings: AppSettings, db: Db, version: str
) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        result = await run_in_threadpool(restore, settings, version, by=me.staff.display_name)
    except UnknownVersionError:
        raise HTTPException(status_code=404, detail="there is no such publication") from None
    with db.session() as session:
        staff = session.get_one(StaffMember, me.staff.id)
        audit.record(session, staff, "publication restored",
                     detail=f"{version}: {','.join(result.changed_keys)}")  # fmt: skip
    return RedirectResponse("/console/history?done=restored", status_code=303)


def _review_problem(problem: str) -> Response:
    return RedirectResponse(f"/console/review?problem={quote(problem[:600])}", status_code=303)


def _languages(settings: AppSettings) -> dict[str, object]:
    codes = languages(settings.locales_dir)
    return {"languages": codes, "names": NAMES, "rtl": RIGHT_TO_LEFT}
