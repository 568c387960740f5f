"""A new model for the engine: trained quickly, and refused if it understands people worse.

The training itself runs in the engine's environment (scripts/retrain.py): it fine-tunes the
serving model when only examples changed, and trains from scratch when labels changed. Here
the candidate's figures are compared with the serving model's; only a candidate within
`TOLERANCE` of the serving model in every language, on both held-out sets, replaces it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.config import ROOT

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


def quality_file(model: Path) -> Path:
    """Where a model's held-out figures are kept (scripts/retrain.py reads the same name)."""
    return model.with_name(model.name.removesuffix(".tar.gz") + ".quality.json")


def worse_than_serving(candidate: Figures, serving: Figures | None) -> list[str]:
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
                    f"{where}: intent macro-F1 {after:.3f}, serving model {before:.3f}"
                    f" (more than {allowed} lower)"
                )
    return reasons


def train_candidate(
    serving: Path,
    out: Path,
    *,
    dialogues: Path = ROOT / "dialogues",
    finetune_only: bool = False,
    epoch_fraction: float | None = None,
) -> Candidate:
    script = ROOT / "scripts" / "retrain.py"
    command = [str(ENGINE_PYTHON), str(script), "--serving", str(serving), "--out", str(out),
               "--dialogues", str(dialogues)]  # fmt: skip
    if finetune_only:
        command.append("--finetune-only")
    if epoch_fraction is not None:  # tests: one epoch proves the mechanism
        command += ["--epoch-fraction", str(epoch_fraction)]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode == LABELS_CHANGED:
        raise LabelsChangedError(str(dialogues))
    if done.returncode != 0:
        # The engine's output holds file names and figures, never a survivor's words.
        raise RuntimeError(f"training failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Candidate(
        path=Path(report["model"]),
        finetuned=bool(report["finetuned"]),
        train_s=float(report["train_s"]),
        quality=report["quality"],
        serving_quality=report["serving_quality"],
    )


def retrain(serving: Path, *, dialogues: Path = ROOT / "dialogues") -> Candidate:
    """Train a candidate; replace the serving model file with it only if it is no worse."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=serving.parent) as folder:
        return accept(train_candidate(serving, Path(folder), dialogues=dialogues), serving)


def accept(candidate: Candidate, serving: Path) -> Candidate:
    """Raises ModelRefusedError, changing nothing, when the candidate is worse than serving.

    The swap is a rename in the serving model's folder: an engine loading the file at the
    same moment reads the old model or the new one, never half of one.
    """
    reasons = worse_than_serving(candidate.quality, candidate.serving_quality)
    if reasons:
        raise ModelRefusedError(reasons)
    os.replace(candidate.path, serving)
    # Kept beside the model so the next candidate is compared without measuring it again.
    with serving.open("rb") as file:
        fingerprint = hashlib.file_digest(file, "sha256").hexdigest()
    quality_file(serving).write_text(
        json.dumps({"sha256": fingerprint, "quality": candidate.quality}, indent=2)
    )
    return dataclasses.replace(candidate, path=serving)
