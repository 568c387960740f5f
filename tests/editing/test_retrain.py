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


# -- with the engine's environment and the trained model ------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def one_example_added(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the dialogues with one NLU example added, and a copy of the serving model."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before the tests run")
    work = tmp_path_factory.mktemp("retrain")
    shutil.copytree(ROOT / "dialogues", work / "dialogues")
    nlu = work / "dialogues" / "data" / "nlu" / "en" / "smalltalk.yml"
    marker = "- intent: greet\n  examples: |\n"
    text = nlu.read_text(encoding="utf-8")
    assert marker in text
    nlu.write_text(text.replace(marker, marker + "    - salam dear friend\n", 1), "utf-8")
    serving = work / "serving" / "rahnuma.tar.gz"
    serving.parent.mkdir()
    shutil.copy(MODEL, serving)
    # The serving model's figures, as kept beside it when it was made (measuring it again
    # here would add a minute): low, so that the candidate is within tolerance of them.
    kept = {name: dict.fromkeys(languages, 0.5) for name, languages in SERVING.items()}
    quality_file(serving).write_text(json.dumps({"sha256": _sha256(serving), "quality": kept,
                                                 "baseline": kept, "measured_with": measured_with()}))  # fmt: skip
    return work / "dialogues", serving


@pytest.fixture(scope="module")
def candidate(one_example_added: tuple[Path, Path]) -> Candidate:
    dialogues, serving = one_example_added
    return train_candidate(
        serving, serving.parent / "candidate", dialogues=dialogues, epoch_fraction=0.025
    )


@pytest.mark.e2e
def test_one_added_example_fine_tunes_the_serving_model(candidate: Candidate) -> None:
    assert candidate.finetuned
    assert candidate.path.exists()
    assert candidate.serving_quality is not None
    assert candidate.serving_quality["all"]["all"] == 0.5  # read from beside the model
    figures = candidate.quality
    assert set(figures) == {"held-out", "independent", "all"}
    assert set(figures["held-out"]) == set(figures["independent"]) == {"en", "ur", "ur_Latn"}
    assert all(0.8 < f <= 1.0 for languages in figures.values() for f in languages.values())


@pytest.mark.e2e
def test_a_candidate_below_the_serving_figures_is_refused(candidate: Candidate) -> None:
    perfect = {name: dict.fromkeys(langs, 1.0) for name, langs in candidate.quality.items()}
    reasons = refusals(dataclasses.replace(candidate, serving_quality=perfect))
    assert any("every held-out message" in reason for reason in reasons)


@pytest.mark.e2e
def test_a_candidate_as_good_replaces_the_serving_model_and_keeps_its_figures(
    candidate: Candidate, one_example_added: tuple[Path, Path]
) -> None:
    _, serving = one_example_added
    before = _sha256(serving)
    own = serving.with_name("accepted.tar.gz")  # the candidate itself stays for other tests
    shutil.copy(candidate.path, own)
    promoted = promote(dataclasses.replace(candidate, path=own), serving)
    assert promoted.path == serving
    assert not own.exists()
    assert _sha256(serving) != before
    kept = json.loads(quality_file(serving).read_text())
    assert kept["sha256"] == _sha256(serving)
    assert kept["quality"] == candidate.quality
    assert kept["measured_with"] == measured_with()
    # Fine-tuned: it inherits the last full training's figures as its floor.
    assert kept["baseline"] == candidate.baseline_quality


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
