"""Property-based fuzzing of the console and the simulator: whatever arrives (form fields,
query values, path segments, cookies), never a 500 and never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.auxil.fuzz import EXAMPLES, FUZZ, text
from tests.console.conftest import (
    browser,
    csrf,
    enrol,
    form_token,
    person_asking_for_help,
    sign_in,
    signed_in,
)

pytestmark = pytest.mark.fuzz

FIELDS = ["username", "password", "csrf", "text", "canned", "summary", "role", "display_name",
          "active", "code"]  # fmt: skip
forms = st.dictionaries(st.sampled_from(FIELDS) | st.text(min_size=1, max_size=15), text,
                        max_size=6)  # fmt: skip
segments = st.text(
    st.characters(codec="ascii", exclude_categories=("Cc",), exclude_characters="/?#%"),
    min_size=1,
    max_size=30,
) | st.integers(min_value=-(2**70), max_value=2**70).map(str)
ACTIONS = ["claim", "reply", "summary", "close"]


def ok(status: int) -> bool:
    return status < 500


@FUZZ
@given(form=forms, cookie=text)
def test_sign_in_survives_any_form(app: FastAPI, gateway: TestClient, form: dict[str, str],
                                   cookie: str) -> None:  # fmt: skip
    client = TestClient(app, follow_redirects=False)
    client.cookies.set("rahnuma_login", cookie.encode("utf-8", "replace").hex(), path="/console")
    assert ok(client.post("/console/login", data=form).status_code)


@FUZZ
@given(cookie=text, path=st.sampled_from(["/console/queue", "/console/events", "/console/audit"]))
def test_any_session_cookie_is_refused_cleanly(
    app: FastAPI, gateway: TestClient, cookie: str, path: str
) -> None:
    client = TestClient(app, follow_redirects=False)
    client.cookies.set("rahnuma_console", cookie.encode("utf-8", "replace").hex(), path="/console")
    assert client.get(path).status_code in (303, 401)


@pytest.fixture
def owing_a_code(app: FastAPI, gateway: TestClient) -> TestClient:
    """A browser that gave an enrolled account's password and is asked for its code."""
    enrol(signed_in(app, "amina"))
    client = browser(app)
    sign_in(client, "amina")
    return client


@FUZZ
@given(form=forms, cookie=text, own_token=st.booleans())
def test_the_code_step_survives_any_form_and_cookie(
    app: FastAPI, owing_a_code: TestClient, form: dict[str, str], cookie: str, own_token: bool
) -> None:
    page = owing_a_code.get("/console/login/code")
    if own_token and page.status_code == 200:
        form = {**form, "csrf": form_token(page.text)}
    assert ok(owing_a_code.post("/console/login/code", data=form).status_code)
    stranger = TestClient(app, follow_redirects=False)
    stranger.cookies.set(
        "rahnuma_pending", cookie.encode("utf-8", "replace").hex(), path="/console"
    )
    assert ok(stranger.get("/console/login/code").status_code)
    assert ok(stranger.post("/console/login/code", data=form).status_code)


@pytest.fixture
def worker(app: FastAPI, gateway: TestClient) -> TestClient:
    person_asking_for_help(app, gateway)
    return signed_in(app, "amina")


@pytest.fixture
def admin(app: FastAPI, gateway: TestClient) -> TestClient:
    return signed_in(app, "sara")


@FUZZ
@given(view=text, after=segments, ticket=segments)
def test_pages_survive_any_query_and_path(
    worker: TestClient, view: str, after: str, ticket: str
) -> None:
    assert ok(worker.get("/console/queue", params={"view": view}).status_code)
    assert ok(worker.get("/console/queue/rows", params={"view": view}).status_code)
    assert ok(worker.get(f"/console/tickets/{ticket}").status_code)
    assert ok(worker.get("/console/tickets/1/messages", params={"after": after}).status_code)


@FUZZ
@given(action=st.sampled_from(ACTIONS), ticket=segments, form=forms, with_token=st.booleans())
def test_ticket_actions_survive_any_form(
    worker: TestClient, action: str, ticket: str, form: dict[str, str], with_token: bool
) -> None:
    if with_token:
        form = {**form, "csrf": csrf(worker)}
    response = worker.post(f"/console/tickets/{ticket}/{action}", data=form)
    assert ok(response.status_code)


@FUZZ
@given(form=forms, step=st.sampled_from(["start", "confirm", "recovery-codes"]), done=text,
       with_token=st.booleans())  # fmt: skip
def test_two_step_sign_in_forms_survive_any_form(
    worker: TestClient, form: dict[str, str], step: str, done: str, with_token: bool
) -> None:
    if with_token:
        form = {**form, "csrf": csrf(worker)}
    assert ok(worker.post(f"/console/two-factor/{step}", data=form).status_code)
    assert ok(worker.get("/console/two-factor", params={"done": done}).status_code)
    assert ok(worker.get("/console/two-factor/qr.svg").status_code)


@FUZZ
@given(form=forms, member=segments, before=segments)
def test_admin_pages_survive_any_form(
    admin: TestClient, form: dict[str, str], member: str, before: str
) -> None:
    token = csrf(admin)
    assert ok(admin.post("/console/staff", data={**form, "csrf": token}).status_code)
    assert ok(
        admin.post(f"/console/staff/{member}/active", data={**form, "csrf": token}).status_code
    )
    assert ok(
        admin.post(f"/console/staff/{member}/two-factor", data={**form, "csrf": token}).status_code
    )
    assert ok(admin.get("/console/audit", params={"before": before}).status_code)


simulator_bodies = st.fixed_dictionaries(
    {},
    optional={
        "channel": st.sampled_from(["sms", "telegram"]) | text,
        "from": text | st.integers(),
        "text": text | st.none(),
    },
)


@FUZZ
@given(body=simulator_bodies, sender=segments)
def test_simulator_and_health_survive_anything(
    gateway: TestClient, body: dict[str, Any], sender: str
) -> None:
    assert ok(gateway.post("/simulator/messages", json=body).status_code)
    assert ok(gateway.get(f"/simulator/messages/{sender}").status_code)
    assert gateway.get("/healthz").status_code == 200


@pytest.fixture
def editor(editors_app: FastAPI) -> TestClient:
    return signed_in(editors_app, "erum")


EDITOR_FIELDS = ["csrf", "text_en", "text_ur", "text_ur_Latn", "language", "key", "text", "draft"]
editor_forms = st.dictionaries(st.sampled_from(EDITOR_FIELDS) | st.text(min_size=1, max_size=15),
                               text, max_size=6)  # fmt: skip


@settings(parent=FUZZ, max_examples=max(EXAMPLES // 5, 1))  # nine requests per example
@given(query=text, key=segments | st.sampled_from(["thank.reply", "consent.ask"]),
       form=editor_forms, with_token=st.booleans())  # fmt: skip
def test_editors_pages_survive_anything(
    editor: TestClient, query: str, key: str, form: dict[str, str], with_token: bool
) -> None:
    if with_token:
        form = {**form, "csrf": form_token(editor.get("/console/texts").text)}
    assert ok(editor.get("/console/texts", params={"q": query}).status_code)
    assert ok(editor.get(f"/console/texts/{key}", params={"problem": query}).status_code)
    assert ok(editor.post(f"/console/texts/{key}", data=form).status_code)
    assert ok(editor.post("/console/texts-notes", data=form).status_code)
    assert ok(editor.get("/console/review", params={"problem": query}).status_code)
    assert ok(editor.post("/console/review/approve", data=form).status_code)
    assert ok(editor.post(f"/console/review/{key}/reject", data=form).status_code)
    assert ok(editor.get("/console/history").status_code)
    assert ok(editor.post(f"/console/history/{key}/restore", data=form).status_code)
