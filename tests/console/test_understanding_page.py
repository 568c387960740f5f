"""The editors' list of what the bot did not understand: masked, labelled, dismissed,
audited; workers never see it; retraining is refused until something is labelled."""

from __future__ import annotations

import html
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.learning import retraining
from bot.store import AuditEntry, Database, ReviewStatus, UnrecognisedMessage
from bot.wording.messages import BotMessage
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.console.conftest import form_token, signed_in

SAID = "mera naam Sana hai mera number 0300 1234567 hai seth paise nahi deta"


@pytest.fixture
def kept(editors_app: FastAPI, engine: FakeEngine) -> int:
    """One consenting person's message the model could not place."""
    person = TestClient(editors_app)
    agreeing(engine)
    person.post("/simulator/messages", json={"channel": "sms", "from": "p-1", "text": "1"})
    engine.reply = lambda body: [
        BotMessage("fallback.first", unrecognised=(("ask_rights", 0.44), ("greet", 0.2)))
    ]
    person.post("/simulator/messages", json={"channel": "sms", "from": "p-1", "text": SAID})
    db: Database = editors_app.state.db
    with db.session() as session:
        return session.scalars(select(UnrecognisedMessage.id)).one()


def test_editors_see_it_masked_and_reading_it_is_audited(
    editors_app: FastAPI, database: Database, kept: int
) -> None:
    erum = signed_in(editors_app, "erum")
    page = html.unescape(erum.get("/console/understanding").text)
    assert "mera naam ‹name› hai mera number ‹number› hai seth paise nahi deta" in page
    assert "0300" not in page and "Sana" not in page
    assert "ask_rights 44%" in page
    with database.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "unrecognised messages viewed" in actions


def test_workers_cannot_open_it(editors_app: FastAPI, kept: int) -> None:
    amina = signed_in(editors_app, "amina")
    assert amina.get("/console/understanding").status_code == 403
    assert amina.get("/console/understanding/progress").status_code == 403
    token = form_token(amina.get("/console/queue").text)
    labelled = amina.post(f"/console/understanding/{kept}/label",
                          data={"intent": "ask_rights", "csrf": token})  # fmt: skip
    assert labelled.status_code == 403


def test_labelling_moves_it_to_the_labelled_list_and_back(
    editors_app: FastAPI, database: Database, kept: int
) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/understanding").text)
    done = erum.post(f"/console/understanding/{kept}/label",
                     data={"intent": "ask_bonded_labour_info", "csrf": token})  # fmt: skip
    assert done.headers["location"] == "/console/understanding?done=labelled"
    with database.session() as session:
        row = session.get_one(UnrecognisedMessage, kept)
        assert (row.status, row.label, row.labelled_by) == (
            ReviewStatus.LABELLED,
            "ask_bonded_labour_info",
            "Erum",
        )
    assert "ask_bonded_labour_info" in erum.get("/console/understanding?status=labelled").text
    erum.post(f"/console/understanding/{kept}/reopen", data={"csrf": token})
    with database.session() as session:
        assert session.get_one(UnrecognisedMessage, kept).status is ReviewStatus.OPEN


def test_an_unknown_intent_or_a_missing_token_is_refused(
    editors_app: FastAPI, database: Database, kept: int
) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/understanding").text)
    refused = erum.post(f"/console/understanding/{kept}/label",
                        data={"intent": "ask_weather", "csrf": token})  # fmt: skip
    assert "problem=" in refused.headers["location"]
    forged = erum.post(f"/console/understanding/{kept}/dismiss", data={})
    assert forged.status_code == 403
    gone = erum.post("/console/understanding/999999/dismiss", data={"csrf": token})
    assert "problem=" in gone.headers["location"]
    with database.session() as session:
        assert session.get_one(UnrecognisedMessage, kept).status is ReviewStatus.OPEN


def test_dismissed_messages_leave_the_list(
    editors_app: FastAPI, database: Database, kept: int
) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/understanding").text)
    erum.post(f"/console/understanding/{kept}/dismiss", data={"csrf": token})
    assert "seth paise" not in html.unescape(erum.get("/console/understanding").text)
    assert "seth paise" in html.unescape(erum.get("/console/understanding?status=dismissed").text)


def test_retraining_needs_a_label_and_reports_its_stage(editors_app: FastAPI, kept: int) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/understanding").text)
    refused = erum.post("/console/understanding/retrain", data={"csrf": token})
    assert "nothing%20is%20labelled" in refused.headers["location"]
    progress = json.loads(erum.get("/console/understanding/progress").text)
    assert (progress["stage"], progress["running"]) == ("idle", False)
    assert erum.get("/console/understanding?status=nonsense").status_code == 404


def test_a_retraining_whose_process_died_shows_as_failed(editors_app: FastAPI) -> None:
    settings = editors_app.state.settings
    stale = retraining.Progress(retraining.Stage.TRAINING, "Erum", "2026-11-30T10:00:00+00:00",
                                examples=1, pid=2**22 + 12345)  # fmt: skip
    retraining._save(settings, stale)
    shown = retraining.progress(settings)
    assert shown.stage is retraining.Stage.FAILED and not shown.running
