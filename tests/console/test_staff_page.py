"""Staff accounts, for admins: adding one (with a strong password only), disabling one."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.store import AuditEntry, StaffMember
from tests.console.conftest import browser, csrf, sign_in, signed_in


def test_an_admin_adds_staff_with_a_strong_password_only(app: FastAPI, gateway: TestClient) -> None:
    sara = signed_in(app, "sara")
    form = {"username": "zara", "display_name": "Zara", "role": "worker"}
    weak = sara.post("/console/staff", data={**form, "password": "short", "csrf": csrf(sara)})
    assert weak.headers["location"].endswith("done=policy")
    strong = {**form, "password": "a sufficiently long one", "csrf": csrf(sara)}
    assert sara.post("/console/staff", data=strong).headers["location"].endswith("added")
    again = sara.post("/console/staff", data={**strong, "csrf": csrf(sara)})
    assert again.headers["location"].endswith("done=invalid")  # the name is taken
    with app.state.db.session() as session:
        assert session.scalars(select(StaffMember).where(StaffMember.username == "zara")).one()


def test_a_disabled_account_is_signed_out_everywhere(app: FastAPI, gateway: TestClient) -> None:
    worker = signed_in(app, "bilal")
    admin = signed_in(app, "sara")
    with app.state.db.session() as session:
        bilal = session.scalars(select(StaffMember).where(StaffMember.username == "bilal")).one()
    response = admin.post(f"/console/staff/{bilal.id}/active", data={"csrf": csrf(admin)})
    assert response.status_code == 303
    assert worker.get("/console/queue").status_code == 303
    assert sign_in(browser(app), "bilal").headers["location"].endswith("wrong")


def test_disabling_and_enabling_are_audited_and_an_admin_keeps_their_own(
    app: FastAPI, gateway: TestClient
) -> None:
    sara = signed_in(app, "sara")
    with app.state.db.session() as session:
        rows = session.execute(select(StaffMember.username, StaffMember.id))
        ids = {username: staff_id for username, staff_id in rows}
    token = csrf(sara)
    own = sara.post(f"/console/staff/{ids['sara']}/active", data={"csrf": token})
    assert own.status_code == 400  # nobody locks the last door behind them
    nobody = sara.post("/console/staff/99999/active", data={"csrf": token, "active": "1"})
    assert nobody.status_code == 404
    url = f"/console/staff/{ids['bilal']}/active"
    assert sara.post(url, data={"csrf": token}).headers["location"].endswith("done=saved")
    assert sign_in(browser(app), "bilal").headers["location"].endswith("wrong")
    sara.post(url, data={"csrf": token, "active": "1"})
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.detail == "bilal")).all()
    assert [e.action for e in entries] == ["disabled staff", "enabled staff"]
    assert "Saved." in sara.get("/console/staff?done=saved").text
