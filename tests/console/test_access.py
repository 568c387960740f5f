"""Who may do what in the console: a session for every page, the CSRF token and the
same origin for every change, roles, and only one's own or unassigned tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from bot.config import Settings
from bot.console.access import allowed_ticket, check_origin, need, session_limits
from bot.console.auth import SignedIn
from bot.handoff.queue import open_ticket
from bot.store import AuditEntry, Contact, Database, Role, StaffMember, TicketStatus
from tests.console.conftest import (
    audit_actions,
    browser,
    claim,
    csrf,
    person_asking_for_help,
    sign_in,
    signed_in,
)


def test_pages_need_a_session(app: FastAPI, gateway: TestClient) -> None:
    client = browser(app)
    page = client.get("/console/queue", headers={"accept": "text/html"})
    assert (page.status_code, page.headers["location"]) == (303, "/console/login")
    script = {"accept": "text/event-stream"}
    assert client.get("/console/events", headers=script).status_code == 401  # no page: 401
    assert client.post("/console/tickets/1/claim").status_code == 401


def test_every_change_needs_the_csrf_token(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    client = signed_in(app, "amina")
    url = f"/console/tickets/{person.ticket_id}/claim"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf": "forged"}).status_code == 403
    assert client.post(url, data={"csrf": csrf(client)}).status_code == 303


def test_a_post_from_another_site_is_refused(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    client = signed_in(app, "amina")
    token = csrf(client)
    for headers in [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"sec-fetch-site": "same-site"}]:  # fmt: skip
        response = client.post(
            f"/console/tickets/{person.ticket_id}/claim", data={"csrf": token}, headers=headers
        )
        assert response.status_code == 403, headers


def test_a_worker_cannot_open_someone_elses_ticket(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina, bilal = signed_in(app, "amina"), signed_in(app, "bilal")
    assert bilal.get(f"/console/tickets/{person.ticket_id}").status_code == 200  # unassigned
    claim(amina, person)
    token = csrf(bilal)
    for method, url, form in [
        ("GET", f"/console/tickets/{person.ticket_id}", None),
        ("GET", f"/console/tickets/{person.ticket_id}/messages?after=0", None),
        ("POST", f"/console/tickets/{person.ticket_id}/reply", {"text": "hi"}),
        ("POST", f"/console/tickets/{person.ticket_id}/summary", {"summary": "x"}),
        ("POST", f"/console/tickets/{person.ticket_id}/close", {}),
        ("POST", f"/console/tickets/{person.ticket_id}/claim", {}),
    ]:
        data = {"csrf": token, **form} if form is not None else None
        response = bilal.request(method, url, data=data)
        assert response.status_code == 404, (method, url)
    assert bilal.get("/console/tickets/99999").status_code == 404  # same answer: nothing learnt
    assert ("bilal", "refused: not their ticket") in audit_actions(app, person.ticket_id)
    assert f'data-ticket="{person.ticket_id}"' not in bilal.get("/console/queue").text
    assert bilal.get("/console/queue?view=all").text.count("data-ticket=") == 0  # not admin


def test_roles_keep_to_their_pages(app: FastAPI, gateway: TestClient) -> None:
    amina, erum = signed_in(app, "amina"), signed_in(app, "erum")
    assert amina.get("/console/audit").status_code == 403
    assert amina.get("/console/staff").status_code == 403
    assert erum.get("/console/queue").status_code == 403  # editors don't read conversations
    for editors_page in ("/console/texts", "/console/review", "/console/history"):
        assert erum.get(editors_page).status_code == 200
        assert amina.get(editors_page).status_code == 403  # workers don't change texts
    assert sign_in(browser(app), "erum").headers["location"] == "/console/texts"
    assert erum.get("/console").headers["location"] == "/console/texts"  # the error page's link


def request_with(headers: dict[str, str]) -> Request:
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/console/x", "headers": raw})


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"host": "console.example"}, True),  # an old browser that says nothing
        ({"host": "console.example", "sec-fetch-site": "same-origin"}, True),
        ({"host": "console.example", "sec-fetch-site": "none"}, True),  # typed in
        ({"host": "console.example", "origin": "null"}, True),  # our no-referrer policy
        ({"host": "console.example", "origin": "https://console.example"}, True),
        ({"host": "console.example", "sec-fetch-site": "same-site"}, False),
        ({"host": "console.example", "sec-fetch-site": "cross-site"}, False),
        ({"host": "console.example", "origin": "https://evil.example"}, False),
    ],
)
def test_a_change_must_start_on_this_site(headers: dict[str, str], allowed: bool) -> None:
    if allowed:
        check_origin(request_with(headers))
    else:
        with pytest.raises(HTTPException) as refused:
            check_origin(request_with(headers))
        assert refused.value.status_code == 403


def as_staff(role: Role, staff_id: int = 1) -> SignedIn:
    member = StaffMember(id=staff_id, username="x", display_name="X", role=role)
    return SignedIn(member, token_hash="-", csrf_token="-")


def test_each_role_opens_only_its_pages() -> None:
    need(as_staff(Role.ADMIN), Role.ADMIN)
    need(as_staff(Role.WORKER), Role.WORKER, Role.ADMIN)
    with pytest.raises(HTTPException) as refused:
        need(as_staff(Role.EDITOR), Role.WORKER, Role.ADMIN)
    assert refused.value.status_code == 403


def test_the_session_limits_come_from_the_settings(isolated_settings: Settings) -> None:
    settings = isolated_settings.model_copy(
        update={"console_idle_minutes": 5, "console_session_hours": 2}
    )
    assert session_limits(settings) == (timedelta(minutes=5), timedelta(hours=2))


def test_a_missing_ticket_and_someone_elses_look_the_same(database: Database) -> None:
    """Both 404 with the same words; trying someone else's ticket is audited."""
    with database.session() as session:
        session.add(Contact(pseudonym="p1", channel="sms", address_sealed=b"-", language="en"))
        members = [
            StaffMember(username=name, display_name=name, role=role, password_hash="-")
            for name, role in [("amina", Role.WORKER), ("bilal", Role.WORKER), ("sara", Role.ADMIN)]
        ]
        session.add_all(members)
        ticket = open_ticket(session, "p1", urgent=False, wants_woman_worker=None)
        ticket_id = ticket.id
        amina, bilal, sara = members
        assert allowed_ticket(session, ticket_id, bilal) is ticket  # waiting: any worker
        ticket.status, ticket.claimed_by = TicketStatus.CLAIMED, amina.id
        assert allowed_ticket(session, ticket_id, amina) is ticket
        assert allowed_ticket(session, ticket_id, sara) is ticket  # an admin opens any
    answers = []
    for number in (ticket_id, ticket_id + 1):
        with pytest.raises(HTTPException) as refused, database.session() as session:
            allowed_ticket(session, number, session.get(StaffMember, bilal.id))  # type: ignore[arg-type]
        answers.append((refused.value.status_code, refused.value.detail))
    assert answers[0] == answers[1] == (404, "no such ticket for you")
    with database.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
        assert [(e.staff_username, e.action, e.ticket_id) for e in entries] == [
            ("bilal", "refused: not their ticket", ticket_id)
        ]
