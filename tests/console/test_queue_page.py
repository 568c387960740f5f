"""The queues: emergencies first, the views a role may see, and the live event stream."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console import queue_page
from bot.console.access import SESSION_COOKIE
from bot.console.auth import SignedIn
from bot.console.queue_page import chosen_view, queue_events, queue_state
from bot.store import Role, StaffMember
from tests.console.conftest import csrf, person_asking_for_help, signed_in


def test_the_queue_lists_emergencies_first_with_the_wish_for_a_woman(
    app: FastAPI, gateway: TestClient
) -> None:
    calm = person_asking_for_help(app, gateway)
    urgent = person_asking_for_help(app, gateway, urgent=True, woman=True)
    page = signed_in(app, "amina").get("/console/queue").text
    rows = re.findall(r'data-ticket="(\d+)"', page)
    assert rows == [str(urgent.ticket_id), str(calm.ticket_id)]
    assert "EMERGENCY" in page and "woman worker asked for" in page
    assert "SMS" in page and "(en)" in page


@pytest.mark.parametrize(
    ("role", "asked", "shown"),
    [
        (Role.WORKER, "mine", "mine"),
        (Role.WORKER, "all", "unassigned"),  # only admins see every ticket
        (Role.ADMIN, "all", "all"),
        (Role.ADMIN, "<script>", "unassigned"),
    ],
)
def test_each_role_sees_only_its_views(role: Role, asked: str, shown: str) -> None:
    me = SignedIn(StaffMember(id=1, username="x", role=role), token_hash="-", csrf_token="-")
    assert chosen_view(asked, me) == shown


class Tab:
    """The browser tab at the other end of the stream."""

    def __init__(self, *, closed: bool = False) -> None:
        self.closed = closed

    async def is_disconnected(self) -> bool:
        return self.closed


def states(*versions: str | None) -> Callable[[], dict[str, Any] | None]:
    """The queue as the stream reads it, one poll after another; None once signed out."""
    found = iter(versions)
    return lambda: None if (version := next(found)) is None else {"version": version}


async def stream(tab: Tab, state: Callable[[], dict[str, Any] | None]) -> list[str]:
    return [event async for event in queue_events(tab, state)]  # type: ignore[arg-type]


async def test_the_stream_tells_each_change_once_and_ends_at_sign_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queue_page, "EVENTS_POLL_SECONDS", 0.0)
    assert await stream(Tab(), states("1", "1", "2", None)) == [
        "retry: 1000\n\n",
        'event: queue\ndata: {"version": "1"}\n\n',
        'event: queue\ndata: {"version": "2"}\n\n',
        "event: signed-out\ndata: {}\n\n",
    ]


async def test_a_quiet_stream_is_kept_open_with_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_page, "EVENTS_POLL_SECONDS", 0.0)
    monkeypatch.setattr(queue_page, "EVENTS_PING_SECONDS", 0.0)
    events = await stream(Tab(), states("1", "1", None))
    assert events[2:] == [": ping\n\n", "event: signed-out\ndata: {}\n\n"]


async def test_a_closed_tab_ends_the_stream() -> None:
    assert await stream(Tab(closed=True), states()) == ["retry: 1000\n\n"]


def test_the_queue_state_counts_and_ends_with_the_session(
    app: FastAPI, gateway: TestClient
) -> None:
    urgent = person_asking_for_help(app, gateway, urgent=True)
    amina = signed_in(app, "amina")
    token = amina.cookies.get(SESSION_COOKIE, path="/console")
    with app.state.db.session() as session:
        staff = session.scalars(select(StaffMember).where(StaffMember.username == "amina")).one()
    state = queue_state(app.state.db, token, staff, app.state.settings)
    assert state is not None
    assert (state["newest"], state["newest_urgent"]) == (urgent.ticket_id, urgent.ticket_id)
    assert (state["unassigned"], state["mine"]) == (1, 0)
    amina.post("/console/logout", data={"csrf": csrf(amina)})
    assert queue_state(app.state.db, token, staff, app.state.settings) is None
