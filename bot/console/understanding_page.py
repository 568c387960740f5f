"""What the bot did not understand: editors label each message (or dismiss it), then
retrain; the new model is measured against the serving one before it is swapped in."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.console import audit
from bot.console.access import Staff, Watching, checked_form, need
from bot.console.dependencies import AppSettings, Db, RowId, Sealing
from bot.console.rendering import page
from bot.learning import retraining
from bot.learning.review import ReviewError, dismiss, known_intents, label, listed, reopen
from bot.store import OUT_OF_SCOPE, ReviewStatus, Role, StaffMember

router = APIRouter()
EDITING = (Role.EDITOR, Role.ADMIN)
NAMES = {"en": "English", "ur": "Urdu", "ur_Latn": "Roman Urdu"}
NOTICES = {
    "labelled": "Labelled: it joins the training when someone presses Retrain.",
    "dismissed": "Dismissed: the bot will not learn from it.",
    "reopened": "Back in the list, without a label.",
    "retraining": "Retraining started: this page shows how far it is.",
}


@router.get("/understanding")
async def understanding_page(
    request: Request,
    me: Staff,
    settings: AppSettings,
    db: Db,
    vault: Sealing,
    status: str = "open",
    done: str = "",
    problem: str = "",
) -> Response:
    need(me, *EDITING)
    try:
        showing = ReviewStatus(status)
    except ValueError:
        raise HTTPException(status_code=404, detail="there is no such list") from None
    with db.session() as session:
        messages = listed(session, vault, showing)
        labelled = len(listed(session, vault, ReviewStatus.LABELLED))
        # Masked, but still what a person wrote: who read the list is on record.
        staff = session.get_one(StaffMember, me.staff.id)
        audit.record(session, staff, "unrecognised messages viewed", detail=showing.value)
    return page(request, "understanding.html", me, messages=messages, showing=showing,
                statuses=list(ReviewStatus), intents=known_intents(settings.dialogues_dir),
                out_of_scope=OUT_OF_SCOPE, labelled=labelled, names=NAMES,
                progress=retraining.progress(settings), notice=NOTICES.get(done, ""),
                problem=problem[:300])  # fmt: skip


@router.post("/understanding/{message_id}/label")
async def label_message(
    request: Request, me: Staff, settings: AppSettings, db: Db, message_id: RowId
) -> Response:
    need(me, *EDITING)
    form = await checked_form(request, me)
    try:
        with db.session() as session:
            staff = session.get_one(StaffMember, me.staff.id)
            label(session, message_id, form.get("intent", ""), by=staff.display_name,
                  intents=known_intents(settings.dialogues_dir))  # fmt: skip
            audit.record(session, staff, "unrecognised message labelled", detail=str(message_id))
    except ReviewError as refused:
        return _problem(str(refused))
    return RedirectResponse("/console/understanding?done=labelled", status_code=303)


@router.post("/understanding/{message_id}/dismiss")
async def dismiss_message(request: Request, me: Staff, db: Db, message_id: RowId) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        with db.session() as session:
            staff = session.get_one(StaffMember, me.staff.id)
            dismiss(session, message_id, by=staff.display_name)
            audit.record(session, staff, "unrecognised message dismissed", detail=str(message_id))
    except ReviewError as refused:
        return _problem(str(refused))
    return RedirectResponse("/console/understanding?done=dismissed", status_code=303)


@router.post("/understanding/{message_id}/reopen")
async def reopen_message(request: Request, me: Staff, db: Db, message_id: RowId) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        with db.session() as session:
            reopen(session, message_id)
            staff = session.get_one(StaffMember, me.staff.id)
            audit.record(session, staff, "unrecognised message reopened", detail=str(message_id))
    except ReviewError as refused:
        return _problem(str(refused))
    return RedirectResponse("/console/understanding?done=reopened", status_code=303)


@router.post("/understanding/retrain")
async def retrain(
    request: Request, me: Staff, settings: AppSettings, db: Db, vault: Sealing
) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    with db.session() as session:
        staff = session.get_one(StaffMember, me.staff.id)
        by = staff.display_name
    try:
        retraining.start(settings, db, vault, by=by)
    except ValueError as refused:
        return _problem(str(refused))
    with db.session() as session:
        audit.record(session, session.get_one(StaffMember, me.staff.id), "retraining started")
    return RedirectResponse("/console/understanding?done=retraining", status_code=303)


@router.get("/understanding/progress")
async def retrain_progress(me: Watching, settings: AppSettings) -> Response:
    """The retraining's stage, for the page to poll: no message text, only figures."""
    need(me, *EDITING)
    shown = retraining.progress(settings)
    return JSONResponse({**asdict(shown), "running": shown.running})


def _problem(problem: str) -> Response:
    return RedirectResponse(
        f"/console/understanding?problem={quote(problem[:300])}", status_code=303
    )
