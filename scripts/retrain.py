"""Train a candidate model quickly and measure it: run in the engine's environment (.venv-rasa).

    python scripts/retrain.py --serving models/rahnuma.tar.gz --out models/candidate

When the intents, entities, actions, slots and pipeline are those of the serving model, only
examples changed, and the candidate is the serving model fine-tuned for a fraction of the
configured epochs (Rasa's incremental training): editors wait seconds, not minutes. Otherwise
Rasa's FinetuningValidator refuses and this trains from scratch. Either way the candidate's
intent macro-F1 on the held-out sets is measured here, so the caller can refuse a candidate that
understands people worse than the model serving them (bot/editing/retrain.py).

Prints one JSON object on its last line: {"model", "finetuned", "train_s", "quality",
"serving_quality"}. Exits 3 when --finetune-only was asked and the labels changed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.editing.measurement import measured_with, model_sha256, quality_file  # noqa: E402  (plain Python, both envs)

HELDOUT = ROOT / "dialogues" / "tests" / "nlu_heldout"
INDEPENDENT = ROOT / "dialogues" / "tests" / "nlu_independent"
# 4 of 40 epochs: on this data the fine-tuned model scores within noise of a full training.
EPOCH_FRACTION = 0.1
LABELS_CHANGED = 3


def _labels_changed(error: BaseException) -> bool:
    """Rasa's FinetuningValidator refused (wrapped by the graph runner): not any other
    InvalidConfigException, such as a mistake in the pipeline, which a full training would
    only repeat."""
    from rasa.shared.exceptions import InvalidConfigException

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, InvalidConfigException) and any(
            frame.filename.endswith("finetuning_validator.py")
            for frame in traceback.extract_tb(seen.__traceback__)
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def train(dialogues: Path, out: Path, serving: Path | None, fraction: float) -> Path:
    from rasa.model_training import train as rasa_train

    result = rasa_train(
        domain=str(dialogues / "domain"),
        config=str(dialogues / "config.yml"),
        training_files=str(dialogues / "data"),
        output=str(out),
        fixed_model_name="candidate",
        model_to_finetune=str(serving) if serving else None,
        finetuning_epoch_fraction=fraction,
    )
    if result.code != 0 or not result.model:
        raise RuntimeError(f"rasa train failed with code {result.code}")
    return Path(result.model)


def quality(model: Path) -> dict[str, dict[str, float]]:
    """Intent macro-F1 as `make bench-nlu` scores it: per held-out set and language, and over
    all of them at once (`all`), where one model's run-to-run noise is smallest."""
    from rasa.core.agent import Agent

    return asyncio.run(_quality(Agent.load(str(model))))


async def _quality(agent: Any) -> dict[str, dict[str, float]]:
    from bench_nlu import FALLBACK, as_the_bot_reads  # same folder: scripts/
    from rasa.shared.nlu.training_data.loading import load_data

    figures: dict[str, dict[str, float]] = {}
    every_gold: list[str] = []
    every_predicted: list[str] = []
    for name, root in (("held-out", HELDOUT), ("independent", INDEPENDENT)):
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            gold, predicted = [], []
            for example in load_data(str(folder)).intent_examples:
                intent, _ = as_the_bot_reads(await agent.parse_message(example.get("text")))
                gold.append(example.get("intent"))
                predicted.append("out_of_scope" if intent == FALLBACK else intent)
            figures.setdefault(name, {})[folder.name] = _macro_f1(gold, predicted)
            every_gold += gold
            every_predicted += predicted
    figures["all"] = {"all": _macro_f1(every_gold, every_predicted)}
    return figures


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(gold, predicted, average="macro")), 4)


def serving_quality(serving: Path) -> tuple[dict[str, dict[str, float]], dict | None]:
    """The serving model's figures, measured once per model and kept beside it, and those of
    the last full training it descends from (None when that is the model itself)."""
    sidecar = quality_file(serving)
    fingerprint, method = model_sha256(serving), measured_with()
    if sidecar.exists():
        kept = json.loads(sidecar.read_text())
        if kept.get("sha256") == fingerprint and kept.get("measured_with") == method:
            return dict(kept["quality"]), kept.get("baseline")
    figures = quality(serving)
    kept = {"sha256": fingerprint, "measured_with": method, "quality": figures,
            "baseline": figures}  # fmt: skip
    temporary = sidecar.with_suffix(".tmp")
    temporary.write_text(json.dumps(kept, indent=2))
    temporary.replace(sidecar)
    return figures, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving", type=Path, help="the model survivors are talking to")
    parser.add_argument("--out", type=Path, help="folder for the candidate")
    parser.add_argument("--dialogues", type=Path, default=ROOT / "dialogues")
    parser.add_argument("--epoch-fraction", type=float, default=EPOCH_FRACTION)
    parser.add_argument("--finetune-only", action="store_true", help="never train from scratch")
    parser.add_argument("--measure-only", action="store_true", help="measure --serving, keep it")
    args = parser.parse_args()
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug lines would print every test message
    serving = args.serving if args.serving and args.serving.exists() else None
    if args.measure_only:
        if serving is None:
            parser.error("--measure-only needs an existing --serving model")
        print(json.dumps({"serving_quality": serving_quality(serving)[0]}))
        return 0

    if args.out is None:
        parser.error("--out is needed to train")
    started = time.perf_counter()
    finetuned = serving is not None
    try:
        model = train(args.dialogues, args.out, serving, args.epoch_fraction)
    except Exception as error:  # only a change of labels falls back to a full training
        if serving is None or not _labels_changed(error):
            raise
        if args.finetune_only:
            print(json.dumps({"labels_changed": True}))
            return LABELS_CHANGED
        finetuned = False
        model = train(args.dialogues, args.out, None, 1.0)
    trained = round(time.perf_counter() - started, 1)
    measured = quality(model)
    serving_figures, baseline = serving_quality(serving) if serving else (None, None)
    report = {
        "model": str(model),
        "finetuned": finetuned,
        "train_s": trained,
        "measure_s": round(time.perf_counter() - started - trained, 1),
        "quality": measured,
        "serving_quality": serving_figures,
        "baseline_quality": baseline,
        "measured_with": measured_with(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
