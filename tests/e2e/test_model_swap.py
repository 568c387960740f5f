"""A model swap on the real engine, as publishing and retraining do it (`PUT /model`): every
survivor writing meanwhile is answered as usual by the serving model until the new one
takes over, and a model that can't be loaded leaves the serving one answering
(engine/model_swap.py). Without the repair Rasa builds the new model on its event loop:
nothing is answered until it is done, and a message that waits longer than the gateway
(8 s) gets the holding reply; seen here before engine/inference_load.py shortened the load
(44 s: 16 of 20 messages held), and after it (2 s: no message answered meanwhile)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import ROOT
from bot.editing.publish import EngineLoadError, load_model
from bot.ops.stack import Stack
from scripts.bench_swap import through_swap
from tests.auxil.survivor import Survivor, text_of

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
REQUEST = "I need a lawyer in Multan"
USUAL = "Services near Multan"
# Sent straight to the model while it swaps: the same intent and confidence as without a
# swap, or the serving model was disturbed by the one being built beside it.
PROBES = ("I need a lawyer", "what is bonded labour", "my employer kept my ID card",
          "mujhe wakeel chahiye", "thank you")  # fmt: skip


def status(stack: Stack) -> dict[str, Any]:
    response = httpx.get(
        f"{stack.engine_urls()[0]}/status", params={"token": stack.settings.rasa_token}, timeout=30
    )
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def parse(stack: Stack, text: str) -> tuple[str, float]:
    response = httpx.post(f"{stack.engine_urls()[0]}/model/parse",
                          params={"token": stack.settings.rasa_token}, json={"text": text},
                          timeout=30)  # fmt: skip
    response.raise_for_status()
    intent = response.json()["intent"]
    return intent["name"], round(intent["confidence"], 5)


def aside(stack: Stack, name: str) -> Path:
    """A folder of the stack's own for models the tests load (not the served model's)."""
    folder = stack.workdir / "swap-models"
    folder.mkdir(exist_ok=True)
    return folder / name


def test_survivors_are_answered_as_usual_while_the_engine_swaps_its_model(
    stack: Stack, gateway: httpx.Client
) -> None:
    survivors = [Survivor(gateway) for _ in range(3)]
    for survivor in survivors:
        survivor.onboard("en")
    usual = {s.address: text_of(s.says(REQUEST)) for s in survivors}
    assert all(USUAL in answer for answer in usual.values())
    expected = {text: parse(stack, text) for text in PROBES}
    probes = itertools.cycle(PROBES)
    # A copy of the serving model under another name: /status then tells which one serves.
    swapped_in = aside(stack, "rahnuma-swapped.tar.gz")
    shutil.copyfile(stack.settings.model_file, swapped_in)
    assert status(stack)["model_file"] != swapped_in.name

    def send(number: int) -> bool:
        if number < len(survivors):
            survivor = survivors[number]
            return text_of(survivor.says(REQUEST)) == usual[survivor.address]
        text = next(probes)
        return parse(stack, text) == expected[text]

    found = through_swap(send, lambda: load_model(stack.settings, swapped_in), talkers=4)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "model_swap.json").write_text(json.dumps(found, indent=2))
    during, without = found["during"], found["without"]
    assert without["answered"] == without["messages"]
    assert during["messages"] >= 4, found  # each talker had one in hand
    assert during["answered"] == during["messages"], found  # none held, none different
    assert found["answered_within_swap"] >= 4, found  # the engine answered while it loaded
    assert status(stack)["model_file"] == swapped_in.name  # the new model serves
    assert text_of(survivors[0].says(REQUEST)) == usual[survivors[0].address]
    assert gateway.get("/healthz").json()["waiting_messages"] == 0  # none kept for later


def test_a_model_that_cannot_be_loaded_leaves_the_serving_one_answering(
    stack: Stack, gateway: httpx.Client
) -> None:
    before = status(stack)
    broken = aside(stack, "broken.tar.gz")
    model = stack.settings.model_file.read_bytes()
    broken.write_bytes(model[: len(model) // 2])  # a copy cut short: a disk filled up, say
    with pytest.raises(EngineLoadError, match="refused the model: HTTP 400"):
        load_model(stack.settings, broken)
    assert status(stack) == before
    survivor = Survivor(gateway)
    survivor.onboard("en")
    assert USUAL in text_of(survivor.says(REQUEST))
