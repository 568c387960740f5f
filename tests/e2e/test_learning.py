"""Issue 17's loop, end to end on the real stack: a consenting person's message the model
cannot place appears masked in the editors' list, is labelled, retrained (the candidate is
measured against the serving model) and swapped in, and the same words are understood."""

from __future__ import annotations

import html
import re
import shutil
import time
from contextlib import closing

import httpx
import pytest

from bot.editing.publish import load_model
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor, text_of
from tests.e2e.conftest import PASSWORD, add_staff_member

pytestmark = pytest.mark.e2e

# Not in any training or test file; the serving model is unsure of it (checked below).
UNPLACED = "mera naam Sana hai mera masla thora alag hai"
MASKED = "mera naam ‹name› hai mera masla thora alag hai"
MEANT = "request_human"  # "my problem is a bit different": someone to talk to
RETRAINING_TIMEOUT = 1200.0  # seconds: fine-tuning and measuring on two busy cores


def editor(stack: Stack, gateway: httpx.Client) -> httpx.Client:
    add_staff_member(stack, "learner", "Lubna", "editor")
    client = httpx.Client(base_url=gateway.base_url, timeout=30)
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    signed = client.post("/console/login", data={"username": "learner", "password": PASSWORD,
                                                  "csrf": token.group(1)})  # fmt: skip
    assert signed.status_code == 303
    return client


def parse(stack: Stack, text: str) -> dict[str, object]:
    engine = stack.engine_urls()[0]
    answer = httpx.post(f"{engine}/model/parse", params={"token": stack.settings.rasa_token},
                        json={"text": text}, timeout=60)  # fmt: skip
    answer.raise_for_status()
    intent: dict[str, object] = answer.json()["intent"]
    return intent


def test_a_message_not_understood_is_labelled_retrained_and_then_understood(
    stack: Stack, gateway: httpx.Client
) -> None:
    assert parse(stack, UNPLACED)["name"] == "nlu_fallback"  # else this test proves nothing
    survivor = Survivor(gateway)
    survivor.onboard("3")  # Roman Urdu, safe to talk, yes to keeping
    first = text_of(survivor.says(UNPLACED))

    with closing(editor(stack, gateway)) as lubna:  # signed in already: closed at the end
        check_the_loop(stack, lubna, survivor, first)


def check_the_loop(stack: Stack, lubna: httpx.Client, survivor: Survivor, first: str) -> None:
    listed = html.unescape(lubna.get("/console/understanding").text)
    assert MASKED in listed and "Sana" not in listed
    row = re.search(r"/console/understanding/(\d+)/label", listed)
    assert row
    token = re.search(r'<meta name="csrf" content="([^"]+)"', listed)
    assert token
    labelled = lubna.post(f"/console/understanding/{row.group(1)}/label",
                          data={"intent": MEANT, "csrf": token.group(1)})  # fmt: skip
    assert labelled.status_code == 303

    serving = stack.settings.model_file
    original = shutil.copy(serving, serving.with_name("before-learning.tar.gz"))
    try:
        started = lubna.post("/console/understanding/retrain", data={"csrf": token.group(1)})
        assert started.headers["location"] == "/console/understanding?done=retraining"
        progress = wait_for_the_end(lubna)
        assert progress["stage"] == "done", progress["reasons"]
        assert progress["candidate"] and progress["serving"]  # both measured, shown
        page = html.unescape(lubna.get("/console/understanding?status=trained").text)
        assert MASKED in page and "is serving survivors now" in page

        assert parse(stack, UNPLACED)["name"] == MEANT
        again = text_of(survivor.says(UNPLACED))
        assert again != first
    finally:
        shutil.copy(original, serving)
        load_model(stack.settings, serving)  # the other tests talk to the model they know


def wait_for_the_end(client: httpx.Client) -> dict[str, object]:
    deadline = time.monotonic() + RETRAINING_TIMEOUT
    while time.monotonic() < deadline:
        progress: dict[str, object] = client.get("/console/understanding/progress").json()
        if not progress["running"]:
            return progress
        time.sleep(3)
    raise AssertionError("the retraining did not finish in time")
