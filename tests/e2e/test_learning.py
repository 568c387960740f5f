"""Issue 17's loop, end to end on the real stack and in Debian's chromium: a consenting
person's message the model cannot place appears masked in the editors' list, is labelled,
retrained through the learner service (the candidate measured against the serving model)
and swapped in, and the same words are understood. A screenshot goes to test-output/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT
from bot.editing.measurement import measured_with, model_sha256, quality_file
from bot.editing.publish import load_model
from bot.learning.retraining import progress
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor, text_of
from tests.e2e.conftest import add_staff_member, sign_in

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
# Not in any training or test file. Each says "my matter is different / something else":
# someone to talk to. A model trained on another machine (or from another cache) places
# sentences like these differently, so the test takes the first the serving model can't
# place; with none, it fails (it would prove nothing).
UNPLACED_CANDIDATES = (
    "mera naam Sana hai mera masla thora alag hai",
    "mera naam Sana hai ye zara alag mamla hai",
    "mera naam Sana hai aur mujhe kuch aur poochna hai",
    "mera naam Sana hai samajh nahi aa raha kya likhun",
)
MEANT = "request_human"
RETRAINING_TIMEOUT_MS = 1_200_000  # fine-tuning and measuring on two busy cores


def parse(stack: Stack, text: str) -> dict[str, object]:
    engine = stack.engine_urls()[0]
    answer = httpx.post(f"{engine}/model/parse", params={"token": stack.settings.rasa_token},
                        json={"text": text}, timeout=60)  # fmt: skip
    answer.raise_for_status()
    intent: dict[str, object] = answer.json()["intent"]
    return intent


def test_a_message_not_understood_is_labelled_retrained_and_then_understood(
    stack: Stack, gateway: httpx.Client, chromium: object
) -> None:
    candidates = [
        text for text in UNPLACED_CANDIDATES if parse(stack, text)["name"] == "nlu_fallback"
    ]
    assert candidates, "the serving model places every candidate: this test would prove nothing"
    unplaced, masked = candidates[0], candidates[0].replace("Sana", "‹name›")
    survivor = Survivor(gateway)
    survivor.onboard("ur_Latn")  # safe to talk, yes to keeping
    first = text_of(survivor.says(unplaced))

    add_staff_member(stack, "learner", "Lubna", "editor")
    base = str(gateway.base_url).rstrip("/")
    lubna = sign_in(chromium, base, "learner")
    lubna.click("nav a:has-text('Not understood')")  # type: ignore[attr-defined]
    row = lubna.locator("table.unrecognised tbody tr").first  # type: ignore[attr-defined]
    assert masked in row.inner_text() and "Sana" not in row.inner_text()
    row.locator("select[name=intent]").select_option(MEANT)
    row.locator("button:has-text('Label')").click()
    lubna.locator("text=Labelled: it joins the training").wait_for()  # type: ignore[attr-defined]

    serving = stack.settings.model_file
    original = shutil.copy(serving, serving.with_name("before-learning.tar.gz"))
    sidecar = quality_file(serving)
    before = json.loads(sidecar.read_text()) if sidecar.exists() else None
    try:
        lubna.click("#retrain-button")  # type: ignore[attr-defined]
        lubna.locator("progress").wait_for()  # type: ignore[attr-defined]
        # The page polls the retraining and reloads itself when it is over.
        done = lubna.locator("#retrain-stage.notice")  # type: ignore[attr-defined]
        done.wait_for(timeout=RETRAINING_TIMEOUT_MS)
        assert "is serving survivors now" in done.inner_text()
        figures = lubna.inner_text("#figures")  # type: ignore[attr-defined]
        assert "held-out" in figures and "independent" in figures  # both models measured
        OUTPUT.mkdir(exist_ok=True)
        lubna.screenshot(path=str(OUTPUT / "console-understanding.png"), full_page=True)  # type: ignore[attr-defined]
        lubna.goto(f"{base}/console/understanding?status=trained")  # type: ignore[attr-defined]
        assert masked in lubna.inner_text("table.unrecognised")  # type: ignore[attr-defined]

        assert parse(stack, unplaced)["name"] == MEANT
        assert text_of(survivor.says(unplaced)) != first
        # The floor it inherits: the serving model's own, unless that was fine-tuned too.
        serving_figures = progress(stack.settings).serving
        floor = before["baseline"] if before and before["baseline"] else serving_figures
        kept_beside_the_model(serving, floor)
    finally:
        shutil.copy(original, serving)
        load_model(stack.settings, serving)  # the other tests talk to the model they know


def kept_beside_the_model(serving: Path, floor: object) -> None:
    """The promoted candidate's figures, measured on both test sets in every language, kept
    beside it; fine-tuned, it inherits the last full training's figures as its floor."""
    kept = json.loads(quality_file(serving).read_text())
    assert kept["sha256"] == model_sha256(serving)
    assert kept["measured_with"] == measured_with()
    figures = kept["quality"]
    assert set(figures) == {"held-out", "independent", "all"}
    assert set(figures["held-out"]) == set(figures["independent"]) == {"en", "ur", "ur_Latn"}
    assert all(0.8 < f <= 1.0 for languages in figures.values() for f in languages.values())
    assert floor and kept["baseline"] == floor  # fine-tuned, not trained from scratch
