"""Editors' pages for the information flows (content/info.yml): the tree of topics from
overview, a form per topic, new topics, and the approval and restoring of changes (issue 17).

A change is a draft like a text's, and waits on the review page for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import audit
from bot.console.access import Staff, checked_form, need
from bot.console.auth import SignedIn
from bot.console.dependencies import AppSettings, Db, RowId
from bot.console.rendering import page
from bot.editing.flows import (
    ACTION_CHOICES,
    LABEL_PREFIX,
    MAX_CHOICES,
    TEXT_PREFIX,
    FlowConflictError,
    FlowError,
    Flows,
    TwoPersonRuleError,
    approve_flow,
    english_texts,
    open_flow_drafts,
    read_flows,
    reject_flow,
    restore_flow,
    save_new_topic,
    save_removal,
    save_topic,
    topic_view,
    tree,
)
from bot.editing.publish import UnknownVersionError
from bot.store import FlowDraft, Role, StaffMember

router = APIRouter()
EDITING = (Role.EDITOR, Role.ADMIN)
MAX_SHOWN = 8  # choices re-shown after a refused form (more than four were posted)

NOTICES = {
    "published": "Published: the next message a person sends reads the new flows.",
    "restored": "Put back: the next message a person sends reads the flows as they were.",
}


@router.get("/flows")
async def flows_page(
    request: Request, me: Staff, settings: AppSettings, db: Db, done: str = "", problem: str = ""
) -> Response:
    need(me, *EDITING)
    flows = read_flows(settings.content_dir)
    with db.session() as session:
        waiting: dict[str, int] = {}
        for draft in open_flow_drafts(session):
            waiting[draft.topic] = waiting.get(draft.topic, 0) + 1
    return page(request, "flows.html", me, rows=tree(flows, english_texts(settings)),
                waiting=waiting, notice=NOTICES.get(done, ""),
                problem=problem[:600])  # fmt: skip


@router.get("/flows/new")
async def new_topic_page(request: Request, me: Staff, settings: AppSettings) -> Response:
    need(me, *EDITING)
    return _form(request, me, settings, None, Typed())


@router.post("/flows/new")
async def new_topic_save(request: Request, me: Staff, settings: AppSettings, db: Db) -> Response:
    need(me, *EDITING)
    form = await checked_form(request, me)
    typed = Typed.of(form)
    try:
        with db.session() as session:
            author = session.get_one(StaffMember, me.staff.id)
            draft = save_new_topic(session, settings, author, typed.name, text=typed.text,
                                   label=typed.label, options=typed.chosen(),
                                   offered_from=typed.offered_from)  # fmt: skip
            _audit_saved(session, author, draft)
    except FlowError as refused:  # nothing saved; the form keeps what was typed
        return _form(request, me, settings, None, typed, str(refused))
    return RedirectResponse("/console/review?done=saved", status_code=303)


@router.get("/flows/{topic}")
async def topic_page(
    request: Request, me: Staff, settings: AppSettings, topic: str, problem: str = ""
) -> Response:
    need(me, *EDITING)
    flows = read_flows(settings.content_dir)
    if topic not in flows.topics:
        raise HTTPException(status_code=404, detail="there is no such topic")
    body = flows.topics[topic]
    typed = Typed(text=body["text"], label=body.get("label", ""), choices=body["options"])
    return _form(request, me, settings, topic, typed, problem[:600])


@router.post("/flows/{topic}")
async def topic_save(
    request: Request, me: Staff, settings: AppSettings, db: Db, topic: str
) -> Response:
    need(me, *EDITING)
    form = await checked_form(request, me)
    if topic not in read_flows(settings.content_dir).topics:
        raise HTTPException(status_code=404, detail="there is no such topic")
    typed = Typed.of(form)
    try:
        with db.session() as session:
            author = session.get_one(StaffMember, me.staff.id)
            draft = save_topic(session, settings, author, topic, text=typed.text,
                               options=typed.chosen(), label=typed.label or None,
                               drop_unreachable=typed.drop_unreachable)  # fmt: skip
            _audit_saved(session, author, draft)
    except FlowError as refused:  # nothing saved; the form keeps what was typed
        return _form(request, me, settings, topic, typed, str(refused))
    return RedirectResponse(
        f"/console/review?done={'saved' if draft else 'nothing'}", status_code=303
    )


@router.post("/flows/{topic}/remove")
async def topic_remove(
    request: Request, me: Staff, settings: AppSettings, db: Db, topic: str
) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        with db.session() as session:
            author = session.get_one(StaffMember, me.staff.id)
            _audit_saved(session, author, save_removal(session, settings, author, topic))
    except FlowError as refused:
        if topic not in read_flows(settings.content_dir).topics:
            raise HTTPException(status_code=404, detail="there is no such topic") from None
        return RedirectResponse(
            f"/console/flows/{topic}?problem={quote(str(refused)[:600])}", status_code=303
        )
    return RedirectResponse("/console/review?done=saved", status_code=303)


@router.post("/flows/drafts/{draft_id}/approve")
async def flow_approve(
    request: Request, me: Staff, settings: AppSettings, db: Db, draft_id: RowId
) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    with db.session() as session:
        reviewer = session.get_one(StaffMember, me.staff.id)
    try:
        result = await run_in_threadpool(approve_flow, settings, db, draft_id, reviewer)
    except (FlowError, TwoPersonRuleError, FlowConflictError) as refused:
        return _review_problem(str(refused))
    if not result.ok:
        return _review_problem(
            "Not published, the check found: " + " ".join(f.problem for f in result.findings)
        )
    with db.session() as session:
        audit.record(session, reviewer, "flows published", detail=",".join(result.changed_keys))
    return RedirectResponse("/console/flows?done=published", status_code=303)


@router.post("/flows/drafts/{draft_id}/reject")
async def flow_reject(request: Request, me: Staff, db: Db, draft_id: RowId) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    try:
        with db.session() as session:
            reviewer = session.get_one(StaffMember, me.staff.id)
            reject_flow(session, draft_id, reviewer)
            audit.record(session, reviewer, "flow draft sent back", detail=str(draft_id))
    except FlowError as refused:
        return _review_problem(str(refused))
    return RedirectResponse("/console/review?done=rejected", status_code=303)


@router.post("/flows/restore/{publication_id}")
async def flow_restore(
    request: Request, me: Staff, settings: AppSettings, db: Db, publication_id: RowId
) -> Response:
    need(me, *EDITING)
    await checked_form(request, me)
    with db.session() as session:
        staff = session.get_one(StaffMember, me.staff.id)
    try:
        result = await run_in_threadpool(restore_flow, settings, db, publication_id, staff)
    except UnknownVersionError:
        raise HTTPException(status_code=404, detail="no such change of the flows") from None
    except FlowError as refused:
        return _flows_problem(str(refused))
    if not result.ok:
        return _flows_problem(
            "Not put back, the check found: " + " ".join(f.problem for f in result.findings)
        )
    with db.session() as session:
        audit.record(session, staff, "flows restored",
                     detail=f"{publication_id}: {','.join(result.changed_keys)}")  # fmt: skip
    return RedirectResponse("/console/history?done=restored", status_code=303)


@dataclass(frozen=True)
class Typed:
    """What a topic's form holds, as typed: the choices by their box, blanks included."""

    name: str = ""
    text: str = ""
    label: str = ""
    offered_from: str = ""
    choices: list[str] = field(default_factory=list)
    drop_unreachable: bool = False

    @classmethod
    def of(cls, form: dict[str, str]) -> Typed:
        slots = sorted(
            (int(name.removeprefix("choice_")), value.strip()[:40])
            for name, value in form.items()
            if name.startswith("choice_") and name.removeprefix("choice_").isdigit()
        )
        return cls(
            name=form.get("name", "").strip()[:40],
            text=form.get("text", "").strip()[:200],
            label=form.get("label", "").strip()[:200],
            offered_from=form.get("offered_from", "").strip()[:40],
            choices=[value for _, value in slots][:MAX_SHOWN],
            drop_unreachable=form.get("drop_unreachable") == "yes",
        )

    def chosen(self) -> list[str]:
        """The choices in their boxes' order (a blank box takes its choice out); a fifth is
        refused here, before any rule of the flows is asked."""
        chosen = [choice for choice in self.choices if choice]
        if len(chosen) > MAX_CHOICES:
            raise FlowError("A menu has at most four choices (and 0 for something else).")
        return chosen


def _audit_saved(session: Session, author: StaffMember, draft: FlowDraft | None) -> None:
    if draft is not None:
        audit.record(session, author, "flow draft saved", detail=draft.topic)


def _form(
    request: Request,
    me: SignedIn,
    settings: Settings,
    topic: str | None,
    typed: Typed,
    problem: str = "",
) -> Response:
    """The form of a topic (a new one when `topic` is None), with what was typed in it."""
    flows = read_flows(settings.content_dir)
    english = english_texts(settings)
    response = page(request, "flow_edit.html", me, topic=topic, typed=typed, problem=problem,
                    boxes=max(MAX_CHOICES, len(typed.choices)),
                    view=topic_view(flows, topic, english) if topic else None,
                    **_choosable(flows, english, topic))  # fmt: skip
    if problem:
        response.status_code = 422
    return response


def _choosable(flows: Flows, english: dict[str, str], topic: str | None) -> dict[str, object]:
    """What the form's selects offer, each with its English text."""
    return {
        "texts": {k: v for k, v in sorted(english.items()) if k.startswith(TEXT_PREFIX)},
        "labels": {k: v for k, v in sorted(english.items()) if k.startswith(LABEL_PREFIX)},
        "targets": {
            name: english.get(flows.label_of(name), "")
            for name in sorted(flows.topics)
            if name != topic
        },
        "actions": {name: english.get(flows.label_of(name), "") for name in ACTION_CHOICES},
        "parents": {name: len(body["options"]) for name, body in sorted(flows.topics.items())},
        "offered_from": flows.offered_from(topic) if topic else [],
        "max_choices": MAX_CHOICES,
    }


def _review_problem(problem: str) -> Response:
    return RedirectResponse(f"/console/review?problem={quote(problem[:600])}", status_code=303)


def _flows_problem(problem: str) -> Response:
    return RedirectResponse(f"/console/flows?problem={quote(problem[:600])}", status_code=303)
