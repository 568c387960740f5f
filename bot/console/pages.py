"""The staff console: server-rendered pages at /console (sign-in, queues, tickets, admin).

What staff see is the least they need: a ticket number, the person's language and
channel, their wish for a woman worker, and the conversation since they agreed to it,
never a phone number, chat id or pseudonym. Every view of a conversation is audited.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import audit
from bot.console.auth import (
    MIN_PASSWORD_LENGTH,
    LoginRefusedError,
    PasswordPolicyError,
    SignedIn,
    add_staff,
    check_password,
    end_all_sessions,
    end_session,
    find_session,
    forget_old_failures,
    same_token,
    start_session,
)
from bot.handoff.canned import load_canned_replies
from bot.handoff.desk import (
    MAX_STAFF_REPLY,
    HandoffDesk,
    ReplyTooLongError,
    ShownMessage,
    TicketNotOpenError,
)
from bot.handoff.hours import StaffHours, StaffHoursError
from bot.handoff.queue import queue_version
from bot.store import (
    Author,
    CloseReason,
    Contact,
    Database,
    Role,
    StaffMember,
    Ticket,
    TicketStatus,
)
from bot.store.models import as_utc, utcnow
from bot.store.tickets import OPEN_STATUSES
from bot.wording.catalogs import Catalogs
from bot.wording.preview import PREVIEW_CHARS, load_trigger_words, trigger_in_preview
from bot.wording.render import plain
from bot.wording.segments import MAX_SEGMENTS, sms_shape

SESSION_COOKIE = "rahnuma_console"
LOGIN_COOKIE = "rahnuma_login"  # CSRF token of the sign-in form, before there is a session
EVENTS_POLL_SECONDS = 0.5  # how soon an open console sees a new ticket
EVENTS_PING_SECONDS = 15.0
EVENTS_MAX_SECONDS = 300.0  # the browser reconnects; a closed tab's stream ends by itself
QUEUE_VIEWS = ("unassigned", "mine", "all")
MAX_SUMMARY = 1000

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class NotSignedInError(Exception):
    """No valid session: pages redirect to sign-in, scripts get 401."""


def _signed_in(request: Request) -> SignedIn:
    settings: Settings = request.app.state.settings
    with request.app.state.db.session() as session:
        found = find_session(
            session,
            request.cookies.get(SESSION_COOKIE),
            idle=timedelta(minutes=settings.console_idle_minutes),
            lifetime=timedelta(hours=settings.console_session_hours),
        )
    if found is None:
        raise NotSignedInError
    return found


Staff = Annotated[SignedIn, Depends(_signed_in)]
MAX_ROW_ID = 2**31 - 1  # INTEGER keys on both databases: larger is refused, not a crash
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
AfterId = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]


@dataclass(frozen=True)
class TicketRow:
    """A ticket as a queue lists it: nothing that identifies the person."""

    id: int
    status: str
    urgent: bool
    wants_woman_worker: bool | None
    language: str
    channel: str
    created_at: datetime
    updated_at: datetime
    claimed_by: str


def console_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)
    idle = timedelta(minutes=settings.console_idle_minutes)
    lifetime = timedelta(hours=settings.console_session_hours)
    try:
        zone = StaffHours.from_file(settings.staff_hours_file).zone
    except StaffHoursError:
        zone = None
    templates.env.filters["local"] = lambda moment: _local(moment, zone)
    triggers = load_trigger_words(settings.content_dir)  # what a locked phone must not show

    def db_of(request: Request) -> Database:
        db: Database = request.app.state.db
        return db

    async def checked_form(request: Request, me: SignedIn) -> dict[str, str]:
        """The form of a state-changing request, after the CSRF and origin checks."""
        _check_origin(request)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not same_token(me.csrf_token, form.get("csrf") or request.headers.get("X-CSRF-Token")):
            raise HTTPException(status_code=403, detail="the form has expired; reload the page")
        return form

    def page(request: Request, name: str, me: SignedIn | None, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            name,
            {"me": me.staff if me else None, "csrf": me.csrf_token if me else "", **context},
        )

    # -- signing in and out ---------------------------------------------------------------

    @router.get("")
    async def home() -> RedirectResponse:
        return RedirectResponse("/console/queue", status_code=303)

    @router.get("/login")
    async def login_page(request: Request, problem: str = "") -> HTMLResponse:
        token = request.cookies.get(LOGIN_COOKIE) or _new_token()
        messages = {
            "wrong": "Wrong username or password.",
            "locked": "Too many failed attempts for this account. Try again in 15 minutes.",
            "expired": "The sign-in form expired. Please try again.",
        }
        response = templates.TemplateResponse(
            request,
            "login.html",
            {
                "me": None,
                "csrf": token,
                "problem": messages.get(problem, ""),
                "idle_minutes": int(settings.console_idle_minutes),
            },
        )
        _set_cookie(response, LOGIN_COOKIE, token, settings, max_age=3600)
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        _check_origin(request)
        form = await request.form()
        if not same_token(request.cookies.get(LOGIN_COOKIE) or "", str(form.get("csrf") or "")):
            return RedirectResponse("/console/login?problem=expired", status_code=303)
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        client = request.client.host if request.client else "-"
        with db_of(request).session() as session:
            forget_old_failures(session)
            try:
                staff = check_password(session, username[:64], password[:256], client)
            except LoginRefusedError as refused:
                if refused.reason == "client":
                    raise HTTPException(
                        status_code=429, detail="too many failed sign-ins from here"
                    ) from None
                return RedirectResponse("/console/login?problem=locked", status_code=303)
            if staff is None:
                audit.record(session, None, "sign-in failed", username="-")
                return RedirectResponse("/console/login?problem=wrong", status_code=303)
            # A fresh session every time: a cookie planted before sign-in is never honoured.
            end_session(session, request.cookies.get(SESSION_COOKIE))
            token = start_session(session, staff)
            audit.record(session, staff, "signed in")
        response = RedirectResponse("/console/queue", status_code=303)
        _set_cookie(
            response, SESSION_COOKIE, token, settings, max_age=int(lifetime.total_seconds())
        )
        response.delete_cookie(LOGIN_COOKIE, path="/console")
        return response

    @router.post("/logout")
    async def logout(request: Request, me: Staff) -> RedirectResponse:
        await checked_form(request, me)
        with db_of(request).session() as session:
            end_session(session, request.cookies.get(SESSION_COOKIE))
            audit.record(session, me.staff, "signed out")
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/console")
        return response

    # -- queues ---------------------------------------------------------------------------

    def queue(request: Request, me: SignedIn, view: str, template: str) -> Response:
        _need(me, Role.WORKER, Role.ADMIN)
        view = _view(view, me)
        with db_of(request).session() as session:
            rows = _queue_rows(session, view, me.staff, request.app.state.desk.catalogs)
            counts = _counts(session, me.staff)
        return page(request, template, me, view=view, rows=rows, counts=counts)

    @router.get("/queue")
    async def queue_page(request: Request, me: Staff, view: str = "unassigned") -> Response:
        return queue(request, me, view, "queue.html")

    @router.get("/queue/rows")
    async def queue_rows(request: Request, me: Staff, view: str = "unassigned") -> Response:
        """Just the rows, for an open queue page to swap in when the queue changes."""
        return queue(request, me, view, "_queue_rows.html")

    @router.get("/events")
    async def events(request: Request, me: Staff) -> StreamingResponse:
        """Server-sent events: the queue's version whenever any ticket changes."""
        _need(me, Role.WORKER, Role.ADMIN)
        db = db_of(request)
        token = request.cookies.get(SESSION_COOKIE)

        def state() -> dict[str, Any] | None:
            with db.session() as session:
                if find_session(session, token, idle=idle, lifetime=lifetime, touch=False) is None:
                    return None  # signed out or timed out meanwhile: the stream ends
                newest_urgent = session.scalar(
                    select(func.max(Ticket.id)).where(
                        Ticket.status == TicketStatus.QUEUED, Ticket.urgent.is_(True)
                    )
                )
                return {
                    "version": queue_version(session),
                    "newest": session.scalar(select(func.max(Ticket.id))) or 0,
                    "newest_urgent": newest_urgent or 0,
                    **_counts(session, me.staff),
                }

        async def stream() -> AsyncIterator[str]:
            last, quiet, started = None, 0.0, asyncio.get_running_loop().time()
            yield "retry: 1000\n\n"
            while asyncio.get_running_loop().time() - started < EVENTS_MAX_SECONDS:
                if await request.is_disconnected():
                    return
                current = await asyncio.to_thread(state)
                if current is None:
                    yield "event: signed-out\ndata: {}\n\n"
                    return
                if current["version"] != last:
                    last, quiet = current["version"], 0.0
                    yield f"event: queue\ndata: {json.dumps(current)}\n\n"
                elif quiet >= EVENTS_PING_SECONDS:
                    quiet = 0.0
                    yield ": ping\n\n"
                await asyncio.sleep(EVENTS_POLL_SECONDS)
                quiet += EVENTS_POLL_SECONDS

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # -- one ticket -----------------------------------------------------------------------

    @router.get("/tickets/{ticket_id}")
    async def ticket_page(
        request: Request, ticket_id: RowId, me: Staff, done: str = ""
    ) -> Response:
        _need(me, Role.WORKER, Role.ADMIN)
        return _ticket_page(request, ticket_id, me, done)

    def _ticket_page(
        request: Request,
        ticket_id: int,
        me: SignedIn,
        done: str,
        draft: str = "",
        warning: str = "",
    ) -> Response:
        """The ticket; `draft` and `warning` when a reply needs a second look before sending."""
        desk: HandoffDesk = request.app.state.desk
        with db_of(request).session() as session:
            ticket = _allowed_ticket(session, ticket_id, me.staff)
            contact = session.get(Contact, ticket.pseudonym)
            audit.record(session, me.staff, "viewed conversation", ticket_id=ticket.id)
            names = _staff_names(session)
            row = _row(ticket, contact, names, desk.catalogs)
        messages = desk.conversation(ticket_id)
        language = contact.language if contact else "en"
        canned = [
            {"key": c.key, "label": c.label, "text": desk.catalogs.render(language, c.key)}
            for c in load_canned_replies(settings.content_dir)
        ]
        notices = {
            "claimed": "You have this ticket now.",
            "taken": "Someone else claimed this ticket first.",
            "sent": "Sent.",
            "saved": "Summary saved.",
            "closed": "Closed: the person is back with the bot and was told so.",
            "empty": "Nothing to send.",
            "long": "A reply must fit two SMS: 306 Latin letters, or 134 with any Urdu letter.",
            "gone": "This ticket is no longer open.",
            "held": "Not sent: the person used quick exit. It is kept here; wait until they write.",
        }
        return page(
            request,
            "ticket.html",
            me,
            ticket=row,
            mine=ticket.claimed_by == me.staff.id and ticket.status == TicketStatus.CLAIMED,
            messages=[_shown(m, names, contact) for m in messages],
            last_id=messages[-1].id if messages else 0,
            summary=desk.summary(ticket),
            canned=canned,
            notice=notices.get(done, ""),
            max_reply=MAX_STAFF_REPLY,
            draft=draft,
            warning=warning,
        )

    @router.get("/tickets/{ticket_id}/messages")
    async def ticket_messages(
        request: Request,
        ticket_id: RowId,
        me: Staff,
        after: AfterId = 0,
    ) -> Response:
        """New lines of a conversation, for an open ticket page (live)."""
        _need(me, Role.WORKER, Role.ADMIN)
        desk: HandoffDesk = request.app.state.desk
        with db_of(request).session() as session:
            ticket = _allowed_ticket(session, ticket_id, me.staff)
            names = _staff_names(session)
            status, contact = ticket.status, session.get(Contact, ticket.pseudonym)
        messages = desk.conversation(ticket_id, after=after)
        if messages:
            with db_of(request).session() as session:
                audit.record(
                    session,
                    me.staff,
                    "viewed new messages",
                    ticket_id=ticket_id,
                    detail=f"{len(messages)} new",
                )
        response = page(
            request, "_messages.html", me, messages=[_shown(m, names, contact) for m in messages]
        )
        response.headers["X-Ticket-Status"] = status
        response.headers["X-Last-Message"] = str(messages[-1].id if messages else after)
        return response

    @router.post("/tickets/{ticket_id}/claim")
    async def claim(request: Request, ticket_id: RowId, me: Staff) -> RedirectResponse:
        _need(me, Role.WORKER, Role.ADMIN)
        await checked_form(request, me)
        with db_of(request).session() as session:
            _allowed_ticket(session, ticket_id, me.staff)
        claimed = request.app.state.desk.claim(ticket_id, me.staff.id)
        with db_of(request).session() as session:
            audit.record(
                session, me.staff, "claimed" if claimed else "claim lost", ticket_id=ticket_id
            )
        return _back(ticket_id, "claimed" if claimed else "taken")

    @router.post("/tickets/{ticket_id}/reply")
    async def reply(request: Request, ticket_id: RowId, me: Staff) -> Response:
        _need(me, Role.WORKER, Role.ADMIN)
        form = await checked_form(request, me)
        desk: HandoffDesk = request.app.state.desk
        with db_of(request).session() as session:
            ticket = _allowed_ticket(session, ticket_id, me.staff)
            if ticket.claimed_by != me.staff.id:
                raise HTTPException(status_code=403, detail="claim the ticket before replying")
        canned = form.get("canned") or None
        text = (form.get("text") or "").strip()
        if canned is not None:
            if canned not in {c.key for c in load_canned_replies(settings.content_dir)}:
                raise HTTPException(status_code=400, detail="unknown canned reply")
            text = ""
        elif not text:
            return _back(ticket_id, "empty")
        elif plain(text).segments > MAX_SEGMENTS:
            return _ticket_page(request, ticket_id, me, "long", draft=text)
        elif (word := trigger_in_preview(text, triggers)) and form.get("send_anyway") != "yes":
            # Rule 12: someone may read the lock screen. Say so once; the worker decides.
            warning = (
                f"“{word}” is in the first {PREVIEW_CHARS} characters, which a locked phone "
                "shows. Move it later, or send anyway."
            )
            return _ticket_page(request, ticket_id, me, "", draft=text, warning=warning)
        try:
            sent = await desk.reply(ticket_id, me.staff.id, text or None, canned)
        except TicketNotOpenError:
            return _back(ticket_id, "gone")
        except ReplyTooLongError:
            return _ticket_page(request, ticket_id, me, "long", draft=text)
        if sent.held:
            return _back(ticket_id, "held")
        with db_of(request).session() as session:
            detail = f"canned {canned}" if canned else f"{sent.segments} SMS segment(s)"
            audit.record(session, me.staff, "replied", ticket_id=ticket_id, detail=detail)
        return _back(ticket_id, "sent")

    @router.post("/tickets/{ticket_id}/summary")
    async def summary(request: Request, ticket_id: RowId, me: Staff) -> RedirectResponse:
        _need(me, Role.WORKER, Role.ADMIN)
        form = await checked_form(request, me)
        text = (form.get("summary") or "").strip()[:MAX_SUMMARY]
        with db_of(request).session() as session:
            _allowed_ticket(session, ticket_id, me.staff)
        request.app.state.desk.save_summary(ticket_id, text)
        with db_of(request).session() as session:
            audit.record(session, me.staff, "wrote needs summary", ticket_id=ticket_id)
        return _back(ticket_id, "saved")

    @router.post("/tickets/{ticket_id}/close")
    async def close(request: Request, ticket_id: RowId, me: Staff) -> RedirectResponse:
        _need(me, Role.WORKER, Role.ADMIN)
        await checked_form(request, me)
        with db_of(request).session() as session:
            ticket = _allowed_ticket(session, ticket_id, me.staff)
            if ticket.claimed_by != me.staff.id and me.staff.role != Role.ADMIN:
                raise HTTPException(status_code=403, detail="claim the ticket before closing it")
        closed = await request.app.state.desk.close(ticket_id, me.staff.id, CloseReason.WORKER)
        with db_of(request).session() as session:
            audit.record(
                session,
                me.staff,
                "closed" if closed else "close: was not open",
                ticket_id=ticket_id,
            )
        return _back(ticket_id, "closed" if closed else "gone")

    # -- administration -------------------------------------------------------------------

    @router.get("/audit")
    async def audit_page(
        request: Request,
        me: Staff,
        before: AfterId | None = None,
    ) -> Response:
        _need(me, Role.ADMIN)
        with db_of(request).session() as session:
            entries = audit.latest(session, before=before)
            audit.record(session, me.staff, "viewed audit log")
        return page(request, "audit.html", me, entries=entries)

    @router.get("/staff")
    async def staff_page(request: Request, me: Staff, done: str = "") -> Response:
        _need(me, Role.ADMIN)
        with db_of(request).session() as session:
            members = list(session.scalars(select(StaffMember).order_by(StaffMember.username)))
        notices = {
            "added": "Account added.",
            "saved": "Saved.",
            "policy": f"Not added: a password needs at least {MIN_PASSWORD_LENGTH} characters.",
            "invalid": "Not added: the username is taken or has characters other than "
            "letters, digits, '.', '-' and '_', or the role is unknown.",
        }
        return page(
            request,
            "staff.html",
            me,
            members=members,
            roles=list(Role),
            notice=notices.get(done, ""),
        )

    @router.post("/staff")
    async def staff_add(request: Request, me: Staff) -> Response:
        _need(me, Role.ADMIN)
        form = await checked_form(request, me)
        try:
            role = Role(form.get("role", ""))
            with db_of(request).session() as session:
                added = add_staff(
                    session,
                    username=form.get("username", ""),
                    display_name=form.get("display_name", ""),
                    role=role,
                    password=form.get("password", ""),
                )
                audit.record(session, me.staff, "added staff", detail=f"{added.username} ({role})")
        except PasswordPolicyError:
            return RedirectResponse("/console/staff?done=policy", status_code=303)
        except ValueError:
            return RedirectResponse("/console/staff?done=invalid", status_code=303)
        return RedirectResponse("/console/staff?done=added", status_code=303)

    @router.post("/staff/{staff_id}/active")
    async def staff_active(request: Request, staff_id: RowId, me: Staff) -> RedirectResponse:
        _need(me, Role.ADMIN)
        form = await checked_form(request, me)
        active = form.get("active") == "1"
        with db_of(request).session() as session:
            member = session.get(StaffMember, staff_id)
            if member is None:
                raise HTTPException(status_code=404)
            if member.id == me.staff.id and not active:
                raise HTTPException(status_code=400, detail="you can't disable your own account")
            member.active = active
            if not active:
                end_all_sessions(session, member.id)
            audit.record(
                session,
                me.staff,
                "enabled staff" if active else "disabled staff",
                detail=member.username,
            )
        return RedirectResponse("/console/staff?done=saved", status_code=303)

    return router


# -- helpers ----------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _set_cookie(
    response: Response, name: str, value: str, settings: Settings, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )


def _check_origin(request: Request) -> None:
    """Refuse a state change that another site's page started (besides the CSRF token).

    Browsers say where a request comes from in Sec-Fetch-Site; Origin is "null" under our
    no-referrer policy, so a named origin must match, and "null" proves nothing either way.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status_code=403, detail="cross-site request refused")


def _need(me: SignedIn, *roles: Role) -> None:
    if me.staff.role not in roles:
        raise HTTPException(status_code=403, detail="your role can't open this page")


def _view(view: str, me: SignedIn) -> str:
    if view not in QUEUE_VIEWS or (view == "all" and me.staff.role != Role.ADMIN):
        return "unassigned"
    return view


def _allowed_ticket(session: Session, ticket_id: int, staff: StaffMember) -> Ticket:
    """A worker opens only unassigned tickets and their own; an admin opens any."""
    ticket = session.get(Ticket, ticket_id)
    allowed = ticket is not None and (
        staff.role == Role.ADMIN
        or ticket.status == TicketStatus.QUEUED
        or ticket.claimed_by == staff.id
    )
    if not allowed:
        if ticket is not None:
            audit.record(session, staff, "refused: not their ticket", ticket_id=ticket_id)
            session.commit()
        # The same answer whether it exists or not: nothing to learn by trying numbers.
        raise HTTPException(status_code=404, detail="no such ticket for you")
    assert ticket is not None
    return ticket


def _staff_names(session: Session) -> dict[int, str]:
    rows = session.execute(select(StaffMember.id, StaffMember.display_name))
    return {staff_id: name for staff_id, name in rows}


def _row(
    ticket: Ticket, contact: Contact | None, names: dict[int, str], catalogs: Catalogs
) -> TicketRow:
    language = contact.language if contact else "en"
    return TicketRow(
        id=ticket.id,
        status=ticket.status,
        urgent=ticket.urgent,
        wants_woman_worker=ticket.wants_woman_worker,
        language=f"{catalogs.render(language, 'language.name')} ({language})",
        channel={"sms": "SMS", "telegram": "Telegram"}.get(contact.channel, "-")
        if contact
        else "-",
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        claimed_by=names.get(ticket.claimed_by or 0, ""),
    )


_CHANNEL_NAMES = {"sms": "SMS", "telegram": "Telegram"}


def _queue_rows(
    session: Session, view: str, staff: StaffMember, catalogs: Catalogs
) -> list[TicketRow]:
    query = select(Ticket, Contact).join(Contact, Contact.pseudonym == Ticket.pseudonym)
    if view == "unassigned":
        query = query.where(Ticket.status == TicketStatus.QUEUED)
    elif view == "mine":
        query = query.where(Ticket.claimed_by == staff.id, Ticket.status.in_(OPEN_STATUSES))
    else:  # all, for admins: open ones, and those closed in the last day
        query = query.where(
            or_(Ticket.status.in_(OPEN_STATUSES), Ticket.closed_at >= utcnow() - timedelta(days=1))
        )
    # Emergencies first, then whoever has waited longest.
    query = query.order_by(Ticket.urgent.desc(), Ticket.created_at)
    names = _staff_names(session)
    return [_row(ticket, contact, names, catalogs) for ticket, contact in session.execute(query)]


def _counts(session: Session, staff: StaffMember) -> dict[str, int]:
    queued = session.scalar(
        select(func.count(Ticket.id)).where(Ticket.status == TicketStatus.QUEUED)
    )
    mine = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.claimed_by == staff.id, Ticket.status == TicketStatus.CLAIMED
        )
    )
    return {"unassigned": queued or 0, "mine": mine or 0}


def _shown(message: ShownMessage, names: dict[int, str], contact: Contact | None) -> dict[str, Any]:
    authors: dict[str, str] = {
        Author.SURVIVOR: "Person",
        Author.BOT: "Bot (sent automatically)",
        Author.NOTE: "Note for staff",
        Author.HELD: "Held, not sent (the person used quick exit)",
    }
    who = authors.get(message.author) or names.get(message.staff_id or 0, "Support worker")
    shape = sms_shape(message.text)
    sms = contact is not None and contact.channel == "sms"
    return {
        "id": message.id,
        "author": message.author,
        "who": who,
        "text": message.text,
        "sent_at": message.sent_at,
        # What each line cost the person's SMS plan (or the NGO's), so staff keep it short.
        "segments": shape.segments
        if sms and message.author not in (Author.NOTE, Author.HELD)
        else 0,
    }


def _local(moment: datetime | None, zone: Any) -> str:
    if moment is None:
        return ""
    moment = as_utc(moment)
    return (moment.astimezone(zone) if zone else moment).strftime("%d %b %H:%M")


def _back(ticket_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/console/tickets/{ticket_id}?done={done}", status_code=303)
