"""Publish without downtime: wording by swapping the catalogs the gateway serves, flows by
training and loading a new model into the running engine (Rasa's `PUT /model`).

A publish whose check fails changes nothing. Every publish is recorded: who, when, what.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.config import ROOT, Settings
from bot.editing.check import Finding, run_checks
from bot.editing.retrain import (
    Learner,
    ModelRefusedError,
    TrainingFailedError,
    discard,
    model_lock,
    promote,
    retrain,
)
from bot.store import Database, Publication
from bot.wording.catalogs import DOMAIN, read_catalog, served_locales

DIALOGUE_SOURCES = ("dialogues/config.yml", "dialogues/domain", "dialogues/data")
MODEL = ROOT / "models" / "rahnuma.tar.gz"


@dataclass
class PublishResult:
    findings: list[Finding] = field(default_factory=list)
    version: str = ""
    changed_keys: list[str] = field(default_factory=list)
    model_swapped: bool = False
    publication_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Review:
    """A publish from the console: who wrote the texts and who approved them."""

    authors: list[str]
    approved_by: str


def ensure_published(settings: Settings, db: Database) -> Path:
    """At the first start there is no publish yet: the deployed catalogs become the first.

    From then on the gateway serves only what `content publish` checked and made live, so
    editing the working copy changes nothing for survivors until it is published.
    """
    if not (settings.published_dir / "current").exists():
        version, _, _ = _swap_catalogs(settings)
        with db.session() as session:
            session.add(
                Publication(
                    published_by="first start of the gateway",
                    version=version,
                    changed_keys=[],
                    dialogues_hash=dialogues_hash(settings.dialogues_dir.parent),
                )
            )
    return served_locales(settings)


def dialogues_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for source in DIALOGUE_SOURCES:
        base = root / source
        for path in sorted([base] if base.is_file() else base.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


_held = threading.local()


@contextlib.contextmanager
def catalog_lock(settings: Settings) -> Iterator[None]:
    """One change of the working and served catalogs at a time: an approval in the console,
    a restore and the command line may come together, and a refused one puts the catalogs
    back as it found them. Re-entrant within a thread (an approval publishes)."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    with (settings.published_dir / ".publish.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(lock, fcntl.LOCK_UN)


def publish(
    settings: Settings,
    *,
    by: str,
    rasa_check: bool = True,
    force_model: bool = False,
    review: Review | None = None,
) -> PublishResult:
    if not by.strip():
        raise ValueError("publishing needs the name of the person publishing")
    with catalog_lock(settings):
        return _publish(settings, by, rasa_check, force_model, review)


def _publish(
    settings: Settings, by: str, rasa_check: bool, force_model: bool, review: Review | None
) -> PublishResult:
    db = Database(settings.database_url)
    db.migrate()
    try:
        with db.session() as session:
            last = session.scalars(
                select(Publication).order_by(Publication.id.desc()).limit(1)
            ).first()
        current_hash = dialogues_hash(settings.dialogues_dir.parent)
        dialogues_changed = last is None or last.dialogues_hash != current_hash
        # Wording alone touches no training data: the engine's validation (tens of seconds,
        # and only where the engine's environment is) runs when the dialogues changed.
        result = PublishResult(
            findings=run_checks(settings, rasa=rasa_check and (dialogues_changed or force_model))
        )
        if result.findings:
            return result  # nothing changes
        model = None
        if force_model or (last is not None and dialogues_changed):
            model, result.findings = _new_model(settings)
            if result.findings:
                return result  # nothing changes: the engine keeps its model
            result.model_swapped = True
        result.version, result.changed_keys, diff = _swap_catalogs(settings)
        with db.session() as session:
            record = Publication(
                published_by=by.strip(),
                version=result.version,
                changed_keys=result.changed_keys,
                dialogues_hash=current_hash,
                model=str(model) if model else None,
                authors=review.authors if review else [],
                approved_by=review.approved_by if review else None,
                diff=diff,
            )
            session.add(record)
            session.flush()
            result.publication_id = record.id
    finally:
        db.engine.dispose()
    return result


def _new_model(settings: Settings) -> tuple[Path | None, list[Finding]]:
    """A retrained model loaded into every engine, or why there is none (nothing changed)."""
    try:
        return _train_and_load(settings), []
    except ModelRefusedError as refused:
        fix = "look at the examples you changed: `make bench-nlu` lists the confusions"
        return None, [
            Finding("models/rahnuma.tar.gz", 0, f"the new model is refused: {why}", fix)
            for why in refused.reasons
        ]
    except (TrainingFailedError, EngineLoadError) as failed:
        fix = "nothing was published and the engine keeps its model; try again"
        return None, [Finding("models/rahnuma.tar.gz", 0, str(failed), fix)]


class UnknownVersionError(ValueError):
    """No earlier publication has this version."""


def restore(settings: Settings, version: str, *, by: str) -> PublishResult:
    """Serve an earlier publication's wording again, at once, and make it the working copy
    so that the next draft starts from what survivors read. Recorded like any publish."""
    if not by.strip():
        raise ValueError("restoring needs the name of the person restoring")
    with catalog_lock(settings):
        return _restore(settings, version, by)


def _restore(settings: Settings, version: str, by: str) -> PublishResult:
    db = Database(settings.database_url)
    db.migrate()
    try:
        with db.session() as session:
            known = session.scalars(
                select(Publication.id).where(Publication.version == version).limit(1)
            ).first()
        source = settings.published_dir / version / "locales"
        if known is None or "/" in version or not source.is_dir():
            raise UnknownVersionError(version)
        changed, diff = _serve(settings, version)
        for po in source.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
            working = settings.locales_dir / po.relative_to(source)
            working.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(po, working)
        result = PublishResult(version=version, changed_keys=changed)
        with db.session() as session:
            record = Publication(
                published_by=by.strip(),
                version=version,
                changed_keys=changed,
                dialogues_hash=dialogues_hash(settings.dialogues_dir.parent),
                restored_from=version,
                diff=diff,
            )
            session.add(record)
            session.flush()
            result.publication_id = record.id
    finally:
        db.engine.dispose()
    return result


def _diff(
    before: dict[str, str], after: dict[str, str], changed: list[str]
) -> list[dict[str, str]]:
    rows = []
    for item in changed:
        language, key = item.split(":", 1)
        rows.append({"language": language, "key": key, "before": before.get(item, ""),
                     "after": after.get(item, "")})  # fmt: skip
    return rows


def _swap_catalogs(settings: Settings) -> tuple[str, list[str], list[dict[str, str]]]:
    """Copy the catalogs to a new version folder and serve it."""
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = settings.published_dir / version / "locales"
    shutil.copytree(settings.locales_dir, target, ignore=shutil.ignore_patterns("*.mo"))
    return version, *_serve(settings, version)


def _serve(settings: Settings, version: str) -> tuple[list[str], list[dict[str, str]]]:
    """Repoint `current` at a published version atomically; the keys whose text changed
    for survivors, and the change of each."""
    before = _texts(served_locales(settings))
    temporary = settings.published_dir / f".current-{uuid.uuid4().hex}"
    temporary.symlink_to(version)
    # atomic: a reader sees the old version or the new, never none
    os.replace(temporary, settings.published_dir / "current")
    after = _texts(settings.published_dir / version / "locales")
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return changed, _diff(before, after, changed)


def _texts(locales: Path) -> dict[str, str]:
    texts = {}
    for po in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        for key, text in read_catalog(po).items():
            texts[f"{po.parent.parent.name}:{key}"] = text
    return texts


class EngineLoadError(Exception):
    """An engine replica could not load a model (the message holds no address or token)."""


def _train_and_load(settings: Settings) -> Path:
    """A candidate model (fine-tuned when only examples changed), kept only if no worse.

    Raises ModelRefusedError with the figures when the candidate understands people worse
    than the serving model, TrainingFailedError when it could not be trained, and
    EngineLoadError when a replica could not load it. In each case the serving model's file
    is unchanged, and every replica is pointed back at it.
    """
    model = settings.model_file  # the model and the dialogues of this deployment's settings
    with model_lock(model):
        learner = Learner(settings.learner_url, settings.rasa_token)
        candidate = retrain(model, dialogues=settings.dialogues_dir, learner=learner)
        try:
            load_model(settings, candidate.path)
        except EngineLoadError:
            discard(candidate)
            # Replicas that switched go back; a dead one loads the model when it restarts.
            with contextlib.suppress(EngineLoadError):
                load_model(settings, model)
            raise
        promote(candidate, model)
    return model


def load_model(settings: Settings, model: Path) -> None:
    """Every engine replica loads the new model; each switches when it is ready."""
    for number, url in enumerate(settings.rasa_url.split(","), start=1):
        try:
            response = httpx.put(
                f"{url.strip().rstrip('/')}/model",
                params={"token": settings.rasa_token},
                json={"model_file": str(model.resolve())},
                timeout=300,
            )
        except httpx.HTTPError as error:  # its message would hold the URL with the token
            raise EngineLoadError(
                f"engine {number} did not answer ({type(error).__name__})"
            ) from None
        if response.is_error:
            status = response.status_code
            raise EngineLoadError(f"engine {number} refused the model: HTTP {status}")
