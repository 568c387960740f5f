"""Retrain with what editors labelled, in the background, and swap the model in.

One retraining at a time. Its progress is a small JSON file beside the model, so that every
gateway worker (and a page reloaded later) shows the same stage. The candidate is measured
on the held-out sets and refused if it understands people worse than the serving model
(bot/editing/retrain.py); then every engine replica loads it. If anything fails, the
training data files are put back as they were and the labels stay, to be tried again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.editing.publish import EngineLoadError, dialogues_hash, load_model
from bot.editing.retrain import (
    LabelsChangedError,
    Learner,
    ModelRefusedError,
    TrainingFailedError,
    discard,
    model_lock,
    promote,
    retrain,
)
from bot.learning.examples import REVIEWED_FILE, Example, add_examples, remove_examples
from bot.privacy.identity import Vault
from bot.store import Database, Publication, ReviewStatus, UnrecognisedMessage

log = logging.getLogger(__name__)
_running = threading.Lock()  # one retraining per process; the model lock across processes


class Stage(StrEnum):
    IDLE = "idle"
    TRAINING = "training"  # the engine's environment trains and measures a candidate
    LOADING = "loading"  # every engine replica loads the candidate
    DONE = "done"
    REFUSED = "refused"  # the candidate understood people worse: nothing changed
    FAILED = "failed"  # training or loading failed: nothing changed


RUNNING = (Stage.TRAINING, Stage.LOADING)


@dataclass
class Progress:
    stage: Stage = Stage.IDLE
    by: str = ""
    started_at: str = ""
    finished_at: str = ""
    examples: int = 0
    reasons: list[str] = field(default_factory=list)
    # Held-out intent macro-F1 (set -> language -> figure): the candidate, the serving model.
    candidate: dict[str, dict[str, float]] | None = None
    serving: dict[str, dict[str, float]] | None = None
    pid: int = 0

    @property
    def running(self) -> bool:
        return self.stage in RUNNING and _alive(self.pid)


def progress_file(settings: Settings) -> Path:
    return settings.model_file.with_name("retraining.json")


def progress(settings: Settings) -> Progress:
    """The last retraining's stage; one whose process died mid-way shows as failed."""
    path = progress_file(settings)
    if not path.exists():
        return Progress()
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    shown = Progress(**{**data, "stage": Stage(data.get("stage", Stage.IDLE))})
    if shown.stage in RUNNING and not _alive(shown.pid):
        shown.stage, shown.reasons = Stage.FAILED, ["the gateway stopped during the retraining"]
    return shown


def start(
    settings: Settings, db: Database, vault: Vault, *, by: str, wait: bool = False
) -> Progress:
    """Begin in the background (or, with `wait`, here: the command line and tests); the
    progress as it starts. Refused (ValueError) when one is running or nothing is labelled."""
    if not by.strip():
        raise ValueError("retraining needs the name of the person who asked for it")
    if not _running.acquire(blocking=False):
        raise ValueError("a retraining is running already: wait for it to finish")
    try:
        if progress(settings).running:
            raise ValueError("a retraining is running already: wait for it to finish")
        examples = _labelled(db, vault)
        if not examples:
            raise ValueError("nothing is labelled yet: label some messages first")
        started = Progress(Stage.TRAINING, by.strip(), _now(), examples=len(examples),
                           pid=os.getpid())  # fmt: skip
        _save(settings, started)
    except BaseException:
        _running.release()
        raise
    if wait:
        _run(settings, db, examples, started)
        return progress(settings)
    threading.Thread(
        target=_run, args=(settings, db, examples, started), name="retraining", daemon=True
    ).start()
    return started


def _run(settings: Settings, db: Database, examples: list[tuple[int, Example]],
         state: Progress) -> None:  # fmt: skip
    nlu_dir = settings.dialogues_dir / "data" / "nlu"
    before = {path: path.read_bytes() for path in nlu_dir.glob(f"*/{REVIEWED_FILE}")}
    try:
        with model_lock(settings.model_file):
            add_examples(nlu_dir, [example for _, example in examples])
            learner = Learner(settings.learner_url, settings.rasa_token)
            candidate = retrain(settings.model_file, dialogues=settings.dialogues_dir,
                                learner=learner,
                                epoch_fraction=settings.retrain_epoch_fraction)  # fmt: skip
            state.candidate, state.serving = candidate.quality, candidate.serving_quality
            state.stage = Stage.LOADING
            _save(settings, state)
            try:
                load_model(settings, candidate.path)
            except EngineLoadError:
                discard(candidate)
                with contextlib.suppress(EngineLoadError):
                    load_model(settings, settings.model_file)
                raise
            promote(candidate, settings.model_file)
        erased = _trained(settings, db, [row_id for row_id, _ in examples], state.by)
        # Erased while it trained: their lines leave the data now, the model at the next one.
        remove_examples(nlu_dir, [example for row_id, example in examples if row_id in erased])
        state.stage = Stage.DONE
    except ModelRefusedError as refused:
        _put_back(nlu_dir, before)
        state.stage, state.reasons = Stage.REFUSED, refused.reasons
    except (TrainingFailedError, LabelsChangedError, EngineLoadError) as failed:
        _put_back(nlu_dir, before)
        state.stage, state.reasons = Stage.FAILED, [str(failed)]
    except Exception:  # the progress must never stay "training" for ever
        _put_back(nlu_dir, before)
        log.exception("retraining failed")
        state.stage, state.reasons = Stage.FAILED, ["an unexpected error: see the gateway log"]
    finally:
        state.finished_at = _now()
        _save(settings, state)
        _running.release()
    log.info("retraining with %d labelled messages: %s", state.examples, state.stage.value)


def _labelled(db: Database, vault: Vault) -> list[tuple[int, Example]]:
    with db.session() as session:
        rows = session.scalars(
            select(UnrecognisedMessage)
            .where(UnrecognisedMessage.status == ReviewStatus.LABELLED)
            .order_by(UnrecognisedMessage.id)
        )
        return [
            (row.id, Example(row.language, str(row.label), vault.open(row.text_sealed)))
            for row in rows
        ]


def _trained(settings: Settings, db: Database, row_ids: list[int], by: str) -> set[int]:
    """The labels are in the serving model now; the publication is recorded with who. The
    rows erased meanwhile (DELETE while it trained) are returned."""
    with db.session() as session:
        found = set()
        for row in session.scalars(
            select(UnrecognisedMessage).where(UnrecognisedMessage.id.in_(row_ids))
        ):
            found.add(row.id)
            if row.status is ReviewStatus.LABELLED:  # a reopened one waits for the next
                row.status = ReviewStatus.TRAINED
        session.add(
            Publication(
                published_by=by,
                version=_served_version(settings),
                changed_keys=[],
                dialogues_hash=dialogues_hash(settings.dialogues_dir.parent),
                model=str(settings.model_file),
                authors=[by],
                diff=[],
            )
        )
    return set(row_ids) - found


def _served_version(settings: Settings) -> str:
    """The wording version survivors read: a model publication changes no text."""
    current = settings.published_dir / "current"
    return current.resolve().name if current.exists() else "working copy"


def _put_back(nlu_dir: Path, before: dict[Path, bytes]) -> None:
    for path in nlu_dir.glob(f"*/{REVIEWED_FILE}"):
        if path not in before:
            path.unlink()
    for path, content in before.items():
        path.write_bytes(content)


def _save(settings: Settings, state: Progress) -> None:
    path = progress_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
    os.replace(temporary, path)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
