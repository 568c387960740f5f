"""Staff accounts, for admins: adding one (with a strong password only), disabling one,
resetting a password (the account then chooses its own) or two-step sign-in."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.store import AuditEntry, RecoveryCode, StaffMember
from tests.console.conftest import browser, csrf, enrol, form_token, sign_in, signed_in


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


TEMPORARY = "a temporary one for bilal"
CHOSEN = "bilal chose this one himself"


def staff_id(app: FastAPI, username: str) -> int:
    with app.state.db.session() as session:
        return session.scalars(select(StaffMember.id).where(StaffMember.username == username)).one()


def test_an_admin_resets_a_password_and_the_account_chooses_its_own(
    app: FastAPI, gateway: TestClient
) -> None:
    worker, sara = signed_in(app, "bilal"), signed_in(app, "sara")
    url = f"/console/staff/{staff_id(app, 'bilal')}/password"
    response = sara.post(url, data={"password": TEMPORARY, "csrf": csrf(sara)})
    assert response.headers["location"].endswith("done=reset")
    assert worker.get("/console/queue").headers["location"] == "/console/login"  # signed out
    assert sign_in(browser(app), "bilal").headers["location"].endswith("wrong")
    bilal = browser(app)
    assert sign_in(bilal, "bilal", TEMPORARY).headers["location"] == "/console/password"
    # Until he chooses his own, nothing else opens: not a page, not a form, not a poll.
    assert bilal.get("/console/queue").headers["location"] == "/console/password"
    assert bilal.get("/console/queue/rows", headers={"accept": "*/*"}).status_code == 403
    token = form_token(bilal.get("/console/password").text)
    assert "An admin reset your password" in bilal.get("/console/password").text
    assert bilal.post("/console/tickets/1/claim", data={"csrf": token}).status_code == 403
    form = {"current": TEMPORARY, "new": CHOSEN, "repeat": CHOSEN, "csrf": token}
    assert bilal.post("/console/password", data=form).headers["location"].endswith("changed")
    assert bilal.get("/console/queue").status_code == 200


def test_a_reset_is_for_admins_with_the_forms_token(app: FastAPI, gateway: TestClient) -> None:
    url = f"/console/staff/{staff_id(app, 'bilal')}/password"
    amina = signed_in(app, "amina")
    assert amina.post(url, data={"password": TEMPORARY, "csrf": csrf(amina)}).status_code == 403
    erum = signed_in(app, "erum")
    token = form_token(erum.get("/console/password").text)
    assert erum.post(url, data={"password": TEMPORARY, "csrf": token}).status_code == 403
    sara = signed_in(app, "sara")
    assert sara.post(url, data={"password": TEMPORARY}).status_code == 403  # no token
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"  # unchanged


def test_a_reset_needs_a_long_password_and_another_account(
    app: FastAPI, gateway: TestClient
) -> None:
    sara = signed_in(app, "sara")
    token = csrf(sara)
    weak = sara.post(
        f"/console/staff/{staff_id(app, 'bilal')}/password", data={"password": "x", "csrf": token}
    )
    assert weak.headers["location"].endswith("done=reset-policy")
    own = f"/console/staff/{staff_id(app, 'sara')}/password"
    assert sara.post(own, data={"password": TEMPORARY, "csrf": token}).status_code == 400
    nobody = sara.post("/console/staff/99999/password", data={"password": TEMPORARY, "csrf": token})
    assert nobody.status_code == 404
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"


def test_a_reset_is_audited_without_the_password(app: FastAPI, gateway: TestClient) -> None:
    sara = signed_in(app, "sara")
    url = f"/console/staff/{staff_id(app, 'bilal')}/password"
    sara.post(url, data={"password": TEMPORARY, "csrf": csrf(sara)})
    with app.state.db.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
        hashes = session.scalars(select(StaffMember.password_hash)).all()
    assert ("sara", "reset password", "bilal") in [
        (e.staff_username, e.action, e.detail) for e in entries
    ]
    shown = " ".join(f"{e.action} {e.detail}" for e in entries)
    assert "temporary" not in shown and not any(h in shown for h in hashes)


def test_a_new_account_chooses_its_own_password_at_first_sign_in(
    app: FastAPI, gateway: TestClient
) -> None:
    sara = signed_in(app, "sara")
    form = {"username": "zara", "display_name": "Zara", "role": "worker"}
    sara.post("/console/staff", data={**form, "password": TEMPORARY, "csrf": csrf(sara)})
    assert sign_in(browser(app), "zara", TEMPORARY).headers["location"] == "/console/password"


def test_an_admin_resets_two_step_sign_in_and_every_session_ends(
    app: FastAPI, gateway: TestClient
) -> None:
    """For a worker who lost the phone and the recovery codes, or whose phone someone took."""
    bilal = signed_in(app, "bilal")
    enrol(bilal)
    elsewhere = browser(app)
    assert sign_in(elsewhere, "bilal").headers["location"] == "/console/login/code"
    sara = signed_in(app, "sara")
    assert 'class="two-factor">on' in sara.get("/console/staff").text
    url = f"/console/staff/{staff_id(app, 'bilal')}/two-factor"
    response = sara.post(url, data={"csrf": csrf(sara)})
    assert response.headers["location"] == "/console/staff?done=two-factor-reset"
    assert bilal.get("/console/queue").headers["location"] == "/console/login"  # signed out
    assert elsewhere.get("/console/login/code").headers["location"].endswith("expired")
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/queue"  # password only
    with app.state.db.session() as session:
        member = session.scalars(select(StaffMember).where(StaffMember.username == "bilal")).one()
        codes = session.scalars(select(RecoveryCode)).all()
        entries = session.scalars(select(AuditEntry)).all()
    assert member.totp_sealed is None and codes == []
    assert ("sara", "reset two-factor", "bilal") in [
        (e.staff_username, e.action, e.detail) for e in entries
    ]


def test_a_two_factor_reset_is_for_an_admin_and_another_account(
    app: FastAPI, gateway: TestClient
) -> None:
    enrol(signed_in(app, "bilal"))
    url = f"/console/staff/{staff_id(app, 'bilal')}/two-factor"
    amina = signed_in(app, "amina")
    assert amina.post(url, data={"csrf": csrf(amina)}).status_code == 403
    sara = signed_in(app, "sara")
    assert sara.post(url, data={}).status_code == 403  # no token
    own = f"/console/staff/{staff_id(app, 'sara')}/two-factor"
    assert sara.post(own, data={"csrf": csrf(sara)}).status_code == 400
    assert sign_in(browser(app), "bilal").headers["location"] == "/console/login/code"
