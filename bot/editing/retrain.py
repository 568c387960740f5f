"""A new model for the engine: trained quickly, and refused if it understands people worse.

The training itself runs in the engine's environment (scripts/retrain.py): it fine-tunes the
serving model when only examples changed, and trains from scratch when labels changed. Here
the candidate's figures are compared with the serving model's and with those of the last
full training (so that many small losses cannot add up); only a candidate within tolerance
of both is loaded into the engine, and only once every replica has loaded it does it
replace the serving model's file.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import ROOT
from bot.editing.measurement import model_sha256, quality_file

ENGINE_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# Refused when intent macro-F1 over every held-out message (both sets, three languages)
# falls more than TOLERANCE below the serving model's: about one message in a hundred. One
# language on one set is a tenth as many messages, and a few epochs of fine-tuning move it by
# up to 0.02 either way on this data, so there only a fall of LANGUAGE_TOLERANCE refuses: an
# editor's mistake that breaks a language falls by far more than that.
TOLERANCE = 0.01
LABELS_CHANGED = 3  # scripts/retrain.py's exit code
LANGUAGE_TOLERANCE = 0.03
Figures = dict[str, dict[str, float]]  # held-out set -> language -> intent macro-F1


class LabelsChangedError(Exception):
    """Asked to fine-tune only, but intents, entities or the pipeline changed."""


class TrainingFailedError(Exception):
    """The engine's environment could not train: nothing changed."""


class ModelRefusedError(Exception):
    """The candidate understands people worse than the serving model: nothing was swapped."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Candidate:
    path: Path
    finetuned: bool
    train_s: float
    quality: Figures
    serving_quality: Figures | None
    # The figures of the last full training this model descends from (fine-tuned models
    # inherit them), and what the figures were measured with (test sets, scoring code).
    baseline_quality: Figures | None = None
    measured_with: str = ""


def worse_than_serving(
    candidate: Figures, serving: Figures | None, *, whose: str = "serving model"
) -> list[str]:
    """Why the candidate is refused: each figure that fell beyond its tolerance."""
    if not serving:
        return []
    reasons = []
    for set_name, languages in serving.items():
        allowed = TOLERANCE if set_name == "all" else LANGUAGE_TOLERANCE
        for language, before in languages.items():
            after = candidate.get(set_name, {}).get(language)
            where = "every held-out message" if set_name == "all" else f"{set_name} {language}"
            if after is None:
                reasons.append(f"{where}: the candidate was not measured")
            elif after < before - allowed:
                reasons.append(
                    f"{where}: intent macro-F1 {after:.3f}, {whose} {before:.3f}"
                    f" (more than {allowed} lower)"
                )
    return reasons


def refusals(candidate: Candidate) -> list[str]:
    """Against the serving model, and against the last full training: fine-tuning after
    fine-tuning may each lose a little, never more than the tolerance in all."""
    reasons = worse_than_serving(candidate.quality, candidate.serving_quality)
    if candidate.baseline_quality and candidate.baseline_quality != candidate.serving_quality:
        reasons += worse_than_serving(
            candidate.quality, candidate.baseline_quality, whose="last full training"
        )
    return reasons


def train_candidate(
    serving: Path,
    out: Path,
    *,
    dialogues: Path = ROOT / "dialogues",
    finetune_only: bool = False,
    epoch_fraction: float | None = None,
    learner: Learner | None = None,
) -> Candidate:
    """Train and measure a candidate in the engine's environment: here (.venv-rasa), or
    through the learner service where this image has none (docker-compose)."""
    if learner is not None and learner.url:
        returncode, report = learner.retrain(serving, out, dialogues, finetune_only,
                                             epoch_fraction)  # fmt: skip
        where = f"the learner at {learner.url}"
    else:
        returncode, report, where = _train_here(serving, out, dialogues, finetune_only,
                                                epoch_fraction)  # fmt: skip
    if returncode == LABELS_CHANGED:
        raise LabelsChangedError(str(dialogues))
    if returncode != 0 or report is None:
        # Rasa's warnings can quote training examples: the output stays out of the message.
        raise TrainingFailedError(f"training failed with exit code {returncode}; {where}")
    return Candidate(
        path=Path(report["model"]),
        finetuned=bool(report["finetuned"]),
        train_s=float(report["train_s"]),
        quality=report["quality"],
        serving_quality=report["serving_quality"],
        baseline_quality=report.get("baseline_quality"),
        measured_with=str(report.get("measured_with", "")),
    )


def _train_here(
    serving: Path, out: Path, dialogues: Path, finetune_only: bool, epoch_fraction: float | None
) -> tuple[int, dict[str, Any] | None, str]:
    script = ROOT / "scripts" / "retrain.py"
    command = [str(ENGINE_PYTHON), str(script), "--serving", str(serving), "--out", str(out),
               "--dialogues", str(dialogues)]  # fmt: skip
    if finetune_only:
        command.append("--finetune-only")
    if epoch_fraction is not None:  # tests: one epoch proves the mechanism
        command += ["--epoch-fraction", str(epoch_fraction)]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    return done.returncode, report, f"to see why, run {' '.join(command[1:])} with {ENGINE_PYTHON}"


@dataclass(frozen=True)
class Learner:
    """The learner service (scripts/learner.py) in the engine's image: its URL and token."""

    url: str
    token: str

    def retrain(
        self,
        serving: Path,
        out: Path,
        dialogues: Path,
        finetune_only: bool,
        epoch_fraction: float | None,
    ) -> tuple[int, dict[str, Any] | None]:
        body = {"serving": str(serving), "out": str(out), "dialogues": str(dialogues),
                "finetune_only": finetune_only, "epoch_fraction": epoch_fraction}  # fmt: skip
        try:
            answer = httpx.post(f"{self.url.rstrip('/')}/retrain", json=body, timeout=3600,
                                headers={"Authorization": f"Bearer {self.token}"})  # fmt: skip
        except httpx.HTTPError as error:  # its message holds no token, but stay terse
            raise TrainingFailedError(
                f"the learner did not answer ({type(error).__name__})"
            ) from None
        if answer.status_code != 200:
            raise TrainingFailedError(f"the learner refused: HTTP {answer.status_code}")
        data = answer.json()
        return int(data["returncode"]), data.get("report")


def candidate_file(serving: Path) -> Path:
    return serving.with_name(serving.name.removesuffix(".tar.gz") + ".candidate.tar.gz")


@contextmanager
def model_lock(serving: Path) -> Iterator[None]:
    """One retraining at a time per model folder: two publishes at once would each compare
    against, and then replace, the same serving model."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    with (serving.parent / ".retrain.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def retrain(
    serving: Path,
    *,
    dialogues: Path = ROOT / "dialogues",
    learner: Learner | None = None,
    epoch_fraction: float | None = None,
) -> Candidate:
    """Train a candidate beside the serving model; raise ModelRefusedError if it is worse.

    The serving model is not touched: the caller loads the candidate into the engine, then
    calls `promote` (or `discard` if the engine could not load it).
    """
    with tempfile.TemporaryDirectory(dir=serving.parent) as folder:
        candidate = train_candidate(serving, Path(folder), dialogues=dialogues, learner=learner,
                                    epoch_fraction=epoch_fraction)  # fmt: skip
        reasons = refusals(candidate)
        if reasons:
            raise ModelRefusedError(reasons)
        kept = candidate_file(serving)
        os.replace(candidate.path, kept)
    return dataclasses.replace(candidate, path=kept)


def discard(candidate: Candidate) -> None:
    candidate.path.unlink(missing_ok=True)


def promote(candidate: Candidate, serving: Path) -> Candidate:
    """The candidate becomes the serving model's file, with its figures kept beside it.

    Both are renames in the model's folder: an engine (re)starting at the same moment reads
    the old model or the new one, never half of one.
    """
    fingerprint = model_sha256(candidate.path)
    # Fine-tuned, it inherits the floor of the full training it descends from: the serving
    # model's own figures when that model was itself fully trained (no baseline kept).
    baseline = (
        (candidate.baseline_quality or candidate.serving_quality)
        if candidate.finetuned
        else candidate.quality
    )
    figures = {"sha256": fingerprint, "measured_with": candidate.measured_with,
               "quality": candidate.quality, "baseline": baseline or candidate.quality}  # fmt: skip
    temporary = quality_file(serving).with_suffix(".tmp")
    temporary.write_text(json.dumps(figures, indent=2))
    os.replace(candidate.path, serving)
    os.replace(temporary, quality_file(serving))
    return dataclasses.replace(candidate, path=serving)
