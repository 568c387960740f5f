"""The editors' working copy in a deployment: texts and flows in a volume, kept in step
with each release of the image without losing what editors changed.

In docker-compose the image's `locales/` and `content/` are the release; editors change a
copy in a volume (the console writes there, the action server reads there). At every start:
- a catalog the volume lacks is copied; a key the release added joins the volume's catalog
  with the release's text; a key editors changed keeps the editors' text;
- content files editors cannot change in the console (the danger phrases, the keywords...)
  always come from the release: an upgrade's safety fix must never be shadowed by an old copy;
- `info.yml`, which editors change in the console, is kept if it still reads, else the
  release's replaces it (and the start says so);
- the dialogues (what the engine is trained from) come from the release, except the examples
  editors labelled in the console (`data/nlu/<language>/reviewed.yml`), which stay.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.editing.catalogs import po_bytes, read_po_file
from bot.editing.flows import read_flows
from bot.editing.training_data import REVIEWED_FILE

log = logging.getLogger(__name__)

EDITED_IN_CONSOLE = frozenset({"info.yml"})


@dataclass
class Synced:
    new_catalogs: list[str] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)  # "language:key"
    from_release: list[str] = field(default_factory=list)  # content files refreshed
    kept: list[str] = field(default_factory=list)  # editors' files kept
    replaced: list[str] = field(default_factory=list)  # editors' files that no longer read

    def __str__(self) -> str:
        return (
            f"{len(self.new_catalogs)} new catalog(s), {len(self.new_keys)} new text(s), "
            f"{len(self.from_release)} content file(s) from the release, "
            f"{len(self.kept)} kept as editors left them, {len(self.replaced)} replaced"
        )


def sync(
    release: Path, locales_dir: Path, content_dir: Path, dialogues_dir: Path | None = None
) -> Synced:
    """Bring the working copy up to the release in `release` (with locales/, content/ and
    dialogues/)."""
    if release.resolve() in (locales_dir.resolve().parent, content_dir.resolve().parent):
        return Synced()  # the working copy is the release itself (development)
    synced = Synced()
    _sync_locales(release / "locales", locales_dir, synced)
    _sync_content(release / "content", content_dir, synced)
    if dialogues_dir is not None and dialogues_dir.resolve() != (release / "dialogues").resolve():
        _sync_dialogues(release / "dialogues", dialogues_dir, synced)
    for name in synced.replaced:
        log.warning("%s no longer reads with this release: the release's version replaced it", name)
    return synced


def _sync_locales(release: Path, working: Path, synced: Synced) -> None:
    for source in sorted(path for path in release.rglob("*") if path.is_file()):
        relative = source.relative_to(release)
        target = working / relative
        if source.suffix != ".po" or not target.exists():
            if source.suffix == ".po":
                synced.new_catalogs.append(str(relative))
            _write(target, source.read_bytes())  # the template and compiled files follow
            continue
        ours, theirs = read_po_file(source), read_po_file(target)
        added = [message for message in ours if message.id and message.id not in theirs]
        if added:
            for message in added:
                theirs[message.id] = message
            _write(target, po_bytes(theirs))
            language = relative.parts[0]
            synced.new_keys += [f"{language}:{message.id}" for message in added]


def _sync_content(release: Path, working: Path, synced: Synced) -> None:
    for source in sorted(path for path in release.rglob("*") if path.is_file()):
        relative = source.relative_to(release)
        target = working / relative
        if relative.name in EDITED_IN_CONSOLE and target.exists():
            if _still_reads(target):
                synced.kept.append(str(relative))
                continue
            synced.replaced.append(str(relative))
        elif target.exists() and target.read_bytes() == source.read_bytes():
            continue
        else:
            synced.from_release.append(str(relative))
        _write(target, source.read_bytes())


def _sync_dialogues(release: Path, working: Path, synced: Synced) -> None:
    """Everything from the release; what editors labelled stays (the release has none)."""
    for source in sorted(path for path in release.rglob("*") if path.is_file()):
        target = working / source.relative_to(release)
        if source.name == REVIEWED_FILE and target.exists():
            continue
        if not target.exists() or target.read_bytes() != source.read_bytes():
            synced.from_release.append(f"dialogues/{source.relative_to(release)}")
            _write(target, source.read_bytes())


def _still_reads(path: Path) -> bool:
    """The editors' flows keep this release's rules (known choices, reachable topics, four
    options at most): the console's own check of a flow change."""
    try:
        return read_flows(path.parent).problems() == []
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError):
        return False


def _write(target: Path, content: bytes) -> None:
    """Atomically: the gateway or the action server may read the file while we write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.sync")
    temporary.write_bytes(content)
    os.replace(temporary, target)
