"""A deployment's working copy of texts and flows follows each release without losing what
editors changed, and never keeps an old copy of a safety file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.editing.catalogs import po_bytes, read_po_file, set_texts
from bot.editing.working_copy import sync
from bot.wording.catalogs import read_catalog

URDU = Path("ur") / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def release(tmp_path: Path) -> Path:
    for part in ("locales", "content"):
        shutil.copytree(ROOT / part, tmp_path / "release" / part,
                        ignore=shutil.ignore_patterns("*.mo"))  # fmt: skip
    return tmp_path / "release"


@pytest.fixture
def working(tmp_path: Path, release: Path) -> tuple[Path, Path]:
    locales, content = tmp_path / "volume" / "locales", tmp_path / "volume" / "content"
    first = sync(release, locales, content)
    assert len(first.new_catalogs) == 3 and not first.kept  # the first start copies it all
    return locales, content


def test_editors_texts_survive_and_the_releases_new_texts_arrive(
    release: Path, working: tuple[Path, Path]
) -> None:
    locales, content = working
    set_texts(locales, {("ur", "thank.reply"): "بہت شکریہ، ایڈیٹر کا متن"})
    catalog = read_po_file(release / "locales" / URDU)  # the next release adds a text
    catalog.add("thank.again", "دوبارہ شکریہ")
    (release / "locales" / URDU).write_bytes(po_bytes(catalog))
    synced = sync(release, locales, content)
    texts = read_catalog(locales / URDU)
    assert texts["thank.reply"] == "بہت شکریہ، ایڈیٹر کا متن"
    assert texts["thank.again"] == "دوبارہ شکریہ"
    assert synced.new_keys == ["ur:thank.again"]


def test_safety_files_always_come_from_the_release(
    release: Path, working: tuple[Path, Path]
) -> None:
    locales, content = working
    (content / "danger.yml").write_text("phrases: {}\n", encoding="utf-8")  # an old copy
    synced = sync(release, locales, content)
    assert (content / "danger.yml").read_bytes() == (
        release / "content" / "danger.yml"
    ).read_bytes()
    assert synced.from_release == ["danger.yml"]


def test_editors_flows_are_kept_while_they_still_read(
    release: Path, working: tuple[Path, Path]
) -> None:
    locales, content = working
    info = yaml.safe_load((content / "info.yml").read_text(encoding="utf-8"))
    info["topics"]["overview"]["options"] = info["topics"]["overview"]["options"][:3]
    edited = yaml.safe_dump(info, allow_unicode=True)
    (content / "info.yml").write_text(edited, encoding="utf-8")
    assert sync(release, locales, content).kept == ["info.yml"]
    assert (content / "info.yml").read_text(encoding="utf-8") == edited

    info["topics"]["overview"]["options"] += ["a", "b", "c"]  # no longer reads: 6 choices
    (content / "info.yml").write_text(yaml.safe_dump(info), encoding="utf-8")
    assert sync(release, locales, content).replaced == ["info.yml"]
    assert (content / "info.yml").read_bytes() == (release / "content" / "info.yml").read_bytes()


def test_in_development_the_working_copy_is_the_release() -> None:
    synced = sync(ROOT, ROOT / "locales", ROOT / "content")
    assert not (synced.new_catalogs or synced.new_keys or synced.from_release)


def test_dialogues_follow_the_release_and_editors_labels_stay(
    release: Path, working: tuple[Path, Path], tmp_path: Path
) -> None:
    locales, content = working
    shutil.copytree(ROOT / "dialogues" / "domain", release / "dialogues" / "domain")
    dialogues = tmp_path / "volume" / "dialogues"
    sync(release, locales, content, dialogues)
    labelled = dialogues / "data" / "nlu" / "en" / "reviewed.yml"
    labelled.parent.mkdir(parents=True)
    labelled.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    (dialogues / "domain" / "intents.yml").write_text("stale", encoding="utf-8")
    synced = sync(release, locales, content, dialogues)
    assert labelled.exists()  # the release has no labels: editors' stay
    assert synced.from_release == ["dialogues/domain/intents.yml"]
