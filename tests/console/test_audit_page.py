"""The admin's view: every ticket, the audit log, the staff list."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.store import AuditEntry
from tests.console.conftest import claim, person_asking_for_help, signed_in


def test_an_admin_sees_all_tickets_the_audit_log_and_staff(
    app: FastAPI, gateway: TestClient
) -> None:
    person = person_asking_for_help(app, gateway)
    claim(signed_in(app, "amina"), person)
    sara = signed_in(app, "sara")
    assert f'data-ticket="{person.ticket_id}"' in sara.get("/console/queue?view=all").text
    assert sara.get(f"/console/tickets/{person.ticket_id}").status_code == 200
    log = sara.get("/console/audit").text
    assert "claimed" in log and "viewed conversation" in log
    assert "bilal" in sara.get("/console/staff").text


def test_the_audit_log_pages_back_and_reading_it_is_audited(
    app: FastAPI, gateway: TestClient
) -> None:
    sara = signed_in(app, "sara")
    first = sara.get("/console/audit").text
    assert "signed in" in first and "viewed audit log" not in first  # recorded after reading
    with app.state.db.session() as session:
        viewed = session.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "viewed audit log")
        ).one()
    assert "viewed audit log" in sara.get("/console/audit").text
    earlier = sara.get("/console/audit", params={"before": viewed}).text
    assert "signed in" in earlier and "viewed audit log" not in earlier
