"""The editors' flows pages: the tree from overview, a topic's form with at most four
choices, review by a second person, and putting a change back from the history."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from actions.content import load_info
from bot.config import ROOT, get_settings
from bot.editing.flows import open_flow_drafts, read_flows
from bot.store import Database, Publication
from tests.console.conftest import form_token, signed_in

CHILDREN = ["children_next", "find_service", "request_human"]


@pytest.fixture
def flows_app(editors_app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The editors' gateway on a copy of content/: an approval rewrites info.yml, and the
    repository's must never change. The action server's loader reads the same copy."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.setenv("RAHNUMA_CONTENT_DIR", str(content))
    get_settings.cache_clear()
    settings = editors_app.state.settings
    editors_app.state.settings = settings.model_copy(update={"content_dir": content})
    return editors_app


def info_file(app: FastAPI) -> Path:
    return Path(app.state.settings.content_dir) / "info.yml"


def choices_form(client: TestClient, topic: str, choices: list[str], **more: str) -> dict:
    token = form_token(client.get(f"/console/flows/{topic}").text)
    body = read_flows(Path(client.app.state.settings.content_dir)).topics[topic]  # type: ignore[attr-defined]
    boxes = {f"choice_{n}": choice for n, choice in enumerate(choices, start=1)}
    return {"csrf": token, "text": body["text"], "label": body.get("label", ""), **boxes, **more}


def approve_button(page: str) -> list[str]:
    return re.findall(r'action="(/console/flows/drafts/\d+/approve)"', page)


def test_support_workers_cannot_open_the_flows(flows_app: FastAPI) -> None:
    amina = signed_in(flows_app, "amina")
    assert amina.get("/console/flows").status_code == 403
    assert amina.get("/console/flows/children").status_code == 403
    token = form_token(amina.get("/console/queue").text)
    assert amina.post("/console/flows/children", data={"csrf": token}).status_code == 403


def test_every_topic_is_shown_from_overview_with_its_texts(flows_app: FastAPI) -> None:
    erum = signed_in(flows_app, "erum")
    page = html.unescape(erum.get("/console/flows").text)
    flows = read_flows(Path(flows_app.state.settings.content_dir))
    shown = re.findall(r'data-topic="([a-z_]+)"', page)
    assert shown[0] == "overview" and sorted(shown) == sorted(flows.topics)
    assert '<a href="/console/flows">Flows</a>' in page  # in the editors' menu
    assert 'href="/console/texts/info.overview"' in page
    assert "What it means" in page  # trafficking's English label, as overview offers it
    assert "ask_trafficking_info" in page  # which intent starts there
    assert erum.get("/console/flows/nowhere").status_code == 404


def test_an_editors_change_goes_live_when_another_person_approves_it(
    flows_app: FastAPI, database: Database
) -> None:
    original = info_file(flows_app).read_bytes()
    erum, sara = signed_in(flows_app, "erum"), signed_in(flows_app, "sara")
    form = choices_form(erum, "children", ["children_next", "legal_aid", "", "request_human"])
    saved = erum.post("/console/flows/children", data=form)
    assert (saved.status_code, saved.headers["location"]) == (303, "/console/review?done=saved")
    assert info_file(flows_app).read_bytes() == original  # a draft is not live

    own = erum.get("/console/review").text
    assert "Changes to the information flows" in own and approve_button(own) == []
    with database.session() as session:
        (draft,) = open_flow_drafts(session)
    token = form_token(own)
    refused = erum.post(f"/console/flows/drafts/{draft.id}/approve", data={"csrf": token})
    assert "someone other than its author" in unquote(refused.headers["location"])
    assert info_file(flows_app).read_bytes() == original

    review = sara.get("/console/review").text
    assert "A free lawyer" in review  # the choice as a person would read it
    (approve,) = approve_button(review)
    published = sara.post(approve, data={"csrf": form_token(review)})
    assert published.headers["location"] == "/console/flows?done=published"
    assert load_info().topics["children"].options == ("children_next", "legal_aid",
                                                      "request_human")  # fmt: skip
    assert "Published" in sara.get("/console/flows?done=published").text


def test_a_fifth_choice_is_refused_and_the_form_keeps_what_was_typed(
    flows_app: FastAPI, database: Database
) -> None:
    erum = signed_in(flows_app, "erum")
    typed = ["children_next", "legal_aid", "police", "court", "main_menu"]
    response = erum.post("/console/flows/children", data=choices_form(erum, "children", typed))
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "at most four choices" in page
    for number, choice in enumerate(typed, start=1):
        box = re.search(rf'<select name="choice_{number}".*?</select>', page, re.S)
        assert box and re.search(rf'<option value="{choice}" selected>', box.group(0)), number
    with database.session() as session:
        assert open_flow_drafts(session) == []
    assert 'name="choice_5"' not in erum.get("/console/flows/children").text  # never offered


def test_a_new_topic_must_be_offered_from_somewhere(flows_app: FastAPI, database: Database) -> None:
    erum = signed_in(flows_app, "erum")
    token = form_token(erum.get("/console/flows/new").text)
    form = {"csrf": token, "name": "helpers", "text": "info.getting_help",
            "label": "option.topic.what_next", "choice_1": "request_human"}  # fmt: skip
    response = erum.post("/console/flows/new", data={**form, "offered_from": ""})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Nothing would lead to “helpers”" in page and 'value="helpers"' in page
    saved = erum.post("/console/flows/new", data={**form, "offered_from": "children"})
    assert saved.headers["location"] == "/console/review?done=saved"
    with database.session() as session:
        (draft,) = open_flow_drafts(session)
        assert draft.after["children"] == {"text": "info.children",
                                           "options": [*CHILDREN, "helpers"]}  # fmt: skip


def test_a_topic_still_offered_cannot_be_removed(flows_app: FastAPI, database: Database) -> None:
    erum = signed_in(flows_app, "erum")
    page = erum.get("/console/flows/signs").text
    assert "/console/flows/signs/remove" not in page  # the page says how instead
    response = erum.post("/console/flows/signs/remove", data={"csrf": form_token(page)})
    problem = html.unescape(erum.get(response.headers["location"]).text)
    assert "“signs” is still offered by trafficking" in problem
    with database.session() as session:
        assert open_flow_drafts(session) == []


def test_the_history_puts_a_flow_change_back_and_never_offers_it_as_catalogs(
    flows_app: FastAPI, database: Database
) -> None:
    original = info_file(flows_app).read_bytes()
    erum, sara = signed_in(flows_app, "erum"), signed_in(flows_app, "sara")
    erum.post("/console/flows/children", data=choices_form(erum, "children", ["children_next"]))
    review = sara.get("/console/review").text
    sara.post(approve_button(review)[0], data={"csrf": form_token(review)})
    assert info_file(flows_app).read_bytes() != original

    history = html.unescape(sara.get("/console/history").text)
    row = next(r for r in history.split("<tr>") if "flow:topic:children" in r)
    assert "Restore this version" not in row  # catalogs' restore is not offered for it
    (restore,) = re.findall(r'action="(/console/flows/restore/\d+)"', row)
    with database.session() as session:
        version = session.scalars(
            select(Publication.version).order_by(Publication.id.desc())
        ).first()
    assert version is not None and version.startswith("flows-")
    token = form_token(history)
    catalogs = sara.post(f"/console/history/{version}/restore", data={"csrf": token})
    assert catalogs.status_code == 404  # and refused if asked for all the same
    back = sara.post(restore, data={"csrf": token})
    assert back.headers["location"] == "/console/history?done=restored"
    assert info_file(flows_app).read_bytes() == original
    assert load_info().topics["children"].options == tuple(CHILDREN)
