"""engine/inference_load.py loads the trained model without tracing its training step: the
model must understand every held-out message exactly as Rasa's own load does (intent,
every confidence of the ranking, entities), in the engine's own environment."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from bot.config import ROOT
from bot.ops.stack import MODEL, PRIVATE_RASA
from bot.wording.language_guess import examples_in

pytestmark = pytest.mark.e2e  # needs the trained model

PARSE = textwrap.dedent(
    """
    import asyncio, json, sys, time
    sys.path.insert(0, "engine")
    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel
    rasa_load = RasaModel.load
    if sys.argv[1] == "inference":
        import inference_load
        inference_load.load_for_inference()
    started = time.perf_counter()
    agent = Agent.load(sys.argv[2])
    seconds = time.perf_counter() - started
    messages = json.loads(sys.stdin.read())

    async def parse():
        found = []
        for text in messages:
            read = await agent.parse_message(text)
            found.append({
                "ranking": [(i["name"], round(i["confidence"], 6)) for i in read["intent_ranking"]],
                "entities": [(e["entity"], e["value"], e["start"], e["end"])
                             for e in read["entities"]],
            })
        return found

    answers = asyncio.run(parse())
    print(json.dumps({"answers": answers, "seconds": seconds,
                      "patched": RasaModel.load.__func__ is not rasa_load.__func__}))
    """
)


def _parse(mode: str, messages: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [PRIVATE_RASA[0], "-c", PARSE, mode, str(MODEL)],
        input=json.dumps(messages), cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_model_loaded_for_inference_answers_exactly_as_rasas_load() -> None:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before the tests run")
    heldout = ROOT / "dialogues" / "tests" / "nlu_heldout"
    messages = [text for language in ("en", "ur", "ur_Latn")
                for text in examples_in(heldout / language)]  # fmt: skip
    assert len(messages) > 500
    ours, rasas = _parse("inference", messages), _parse("rasa", messages)
    assert ours["patched"] is True and rasas["patched"] is False
    assert ours["answers"] == rasas["answers"]
