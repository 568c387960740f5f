"""Retraining an editor can wait for: fine-tuned when only examples changed, refused if worse."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.editing.measurement import measured_with, quality_file
from bot.editing.retrain import (
    LANGUAGE_TOLERANCE,
    TOLERANCE,
    Candidate,
    Figures,
    LabelsChangedError,
    promote,
    refusals,
    train_candidate,
    worse_than_serving,
)
from bot.ops.stack import MODEL

SERVING: Figures = {
    "held-out": {"en": 0.91, "ur": 0.92, "ur_Latn": 0.94},
    "independent": {"en": 0.93, "ur": 0.93, "ur_Latn": 0.91},
    "all": {"all": 0.925},
}


def _with(changes: dict[tuple[str, str], float]) -> Figures:
    figures = {name: dict(languages) for name, languages in SERVING.items()}
    for (name, language), value in changes.items():
        figures[name][language] = value
    return figures


def test_a_candidate_as_good_as_serving_is_accepted() -> None:
    assert worse_than_serving(SERVING, SERVING) == []
    assert worse_than_serving(SERVING, None) == []  # the first model has nothing to beat


def test_a_fall_over_every_held_out_message_beyond_the_tolerance_refuses() -> None:
    just_within = _with({("all", "all"): SERVING["all"]["all"] - TOLERANCE + 0.0001})
    assert worse_than_serving(just_within, SERVING) == []
    beyond = _with({("all", "all"): SERVING["all"]["all"] - TOLERANCE - 0.0001})
    (reason,) = worse_than_serving(beyond, SERVING)
    assert "every held-out message" in reason and "0.925" in reason  # the figures are shown


def test_one_language_may_move_with_noise_but_not_break() -> None:
    noisy = _with({("held-out", "en"): 0.91 - 0.02})
    assert worse_than_serving(noisy, SERVING) == []
    broken = _with({("independent", "ur"): 0.93 - LANGUAGE_TOLERANCE - 0.001})
    (reason,) = worse_than_serving(broken, SERVING)
    assert reason.startswith("independent ur:")


def test_many_small_losses_cannot_add_up() -> None:
    """Each fine-tuning may lose a little against the model before it; against the last full
    training the loss is bounded all the same."""
    serving = _with({("all", "all"): 0.915})
    candidate = Candidate(Path("candidate.tar.gz"), True, 1.0,
                          _with({("all", "all"): 0.908}), serving, baseline_quality=SERVING)  # fmt: skip
    assert worse_than_serving(candidate.quality, serving) == []
    (reason,) = refusals(candidate)
    assert "last full training 0.925" in reason


def test_a_language_the_candidate_was_not_measured_on_refuses() -> None:
    missing = _with({})
    del missing["held-out"]["ur"]
    assert worse_than_serving(missing, SERVING) == ["held-out ur: the candidate was not measured"]


# -- a candidate's figures and its promotion ------------------------------------------------
# A real fine-tuning, measured against the serving model and promoted, runs once in
# tests/e2e/test_learning.py (the console's loop, which checks the figures it kept): training
# a second candidate here took five minutes of every `make test`.

MEASURED: Figures = {
    "held-out": {"en": 0.9, "ur": 0.91, "ur_Latn": 0.93},
    "independent": {"en": 0.92, "ur": 0.9, "ur_Latn": 0.9},
    "all": {"all": 0.91},
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fine_tuned(path: Path) -> Candidate:
    return Candidate(path=path, finetuned=True, train_s=1.0, quality=MEASURED,
                     serving_quality=SERVING, baseline_quality=_with({("all", "all"): 0.93}),
                     measured_with=measured_with())  # fmt: skip


def _two_models(folder: Path) -> tuple[Path, Path]:
    """A serving model's file and a candidate's beside it (promotion only renames them)."""
    serving, own = folder / "rahnuma.tar.gz", folder / "candidate.tar.gz"
    serving.write_bytes(b"the serving model")
    own.write_bytes(b"the candidate")
    return serving, own


def test_a_candidate_below_the_serving_figures_is_refused() -> None:
    perfect = {name: dict.fromkeys(langs, 1.0) for name, langs in MEASURED.items()}
    reasons = refusals(dataclasses.replace(_fine_tuned(Path("c.tar.gz")), serving_quality=perfect))
    assert any("every held-out message" in reason for reason in reasons)


def test_a_candidate_as_good_replaces_the_serving_model_and_keeps_its_figures(
    tmp_path: Path,
) -> None:
    serving, own = _two_models(tmp_path)
    candidate = _fine_tuned(own)
    promoted = promote(candidate, serving)
    assert promoted.path == serving
    assert not own.exists()
    assert serving.read_bytes() == b"the candidate"
    kept = json.loads(quality_file(serving).read_text())
    assert kept["sha256"] == _sha256(serving)
    assert kept["quality"] == candidate.quality
    assert kept["measured_with"] == measured_with()
    # Fine-tuned: it inherits the last full training's figures as its floor.
    assert kept["baseline"] == candidate.baseline_quality


def test_a_fully_trained_candidate_is_its_own_baseline(tmp_path: Path) -> None:
    serving, own = _two_models(tmp_path)
    promote(dataclasses.replace(_fine_tuned(own), finetuned=False), serving)
    assert json.loads(quality_file(serving).read_text())["baseline"] == MEASURED


@pytest.mark.e2e
def test_a_new_intent_cannot_be_fine_tuned(tmp_path: Path) -> None:
    """Labels changed: Rasa's FinetuningValidator refuses, and publish trains from scratch."""
    shutil.copytree(ROOT / "dialogues", tmp_path / "dialogues")
    nlu = tmp_path / "dialogues" / "data" / "nlu" / "en" / "smalltalk.yml"
    extra = "\n- intent: ask_weather\n  examples: |\n    - will it rain\n    - is it hot today\n"
    nlu.write_text(nlu.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(LabelsChangedError):
        train_candidate(MODEL, tmp_path / "out", dialogues=tmp_path / "dialogues",
                        finetune_only=True)  # fmt: skip


def test_a_model_fine_tuned_from_a_full_training_inherits_its_figures(tmp_path: Path) -> None:
    """The serving model was itself trained from scratch (it kept no baseline of its own)."""
    serving, own = _two_models(tmp_path)
    promote(dataclasses.replace(_fine_tuned(own), baseline_quality=None), serving)
    assert json.loads(quality_file(serving).read_text())["baseline"] == SERVING
