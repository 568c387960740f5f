"""`rahnuma content check`: clear errors, each with its file and line and a fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.cli import main
from bot.config import MAX_ORGANISATION_CHARACTERS, Settings, get_settings
from bot.editing.check import SAMPLE_CONSTANTS, run_checks
from tests.editing.conftest import edit


def po(settings: Settings, language: str) -> Path:
    return settings.locales_dir / language / "LC_MESSAGES" / "messages.po"


def test_the_repository_content_passes(working_copy: Settings) -> None:
    assert run_checks(working_copy, rasa=False) == []


def test_three_problems_give_three_clear_errors(working_copy: Settings) -> None:
    """The issue's acceptance case: a missing Roman-Urdu entry, a three-segment SMS, and
    "trafficking" in a first line."""
    roman = po(working_copy, "ur_Latn")
    with roman.open("rb") as fh:
        catalog = read_po(fh)
    del catalog["thank.reply"]
    with roman.open("wb") as fh:
        write_po(fh, catalog, width=0)
    edit(po(working_copy, "ur"), "goodbye.reply", "اپنا خیال رکھیں۔ " * 10)
    edit(po(working_copy, "en"), "info.job_offer", "Trafficking often starts with a job offer.")

    findings = run_checks(working_copy, rasa=False)
    assert len(findings) == 3, "\n".join(map(str, findings))
    missing, segments, first_line = sorted(
        findings, key=lambda f: ("missing" not in f.problem, "segments" not in f.problem)
    )
    assert (
        "ur_Latn" in missing.file
        and "'thank.reply'" in missing.problem
        and "make i18n" in missing.fix
    )
    assert (
        "/ur/" in segments.file and "'goodbye.reply' needs 3 SMS segments in ur" in segments.problem
    )
    assert segments.line > 0 and "134 characters" in segments.fix
    assert "/en/" in first_line.file and "'traffick' in the first 90" in first_line.problem
    assert first_line.line > 0


def test_a_trigger_word_a_service_list_shows_on_a_locked_phone_is_refused(
    working_copy: Settings,
) -> None:
    """Rule 12 on what is really sent: a short heading puts the listing names in view."""
    edit(po(working_copy, "en"), "service.listing_line", "{name} - rescue line: {phone}")
    findings = run_checks(working_copy, rasa=False)
    shown = [f for f in findings if "locked phone" in f.problem]
    assert shown and all("'rescue'" in f.problem for f in shown), "\n".join(map(str, findings))


@pytest.mark.parametrize(
    ("keyword", "word", "why"),
    [
        ("exit", "madad", "ordinary word of the training data"),
        ("delete", "nikalo", "one edit of the distress phrase"),
        ("stop", "bachaw", "one edit of the distress phrase"),
    ],
)
def test_a_keyword_that_could_misfire_is_refused(
    working_copy: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    keyword: str,
    word: str,
    why: str,
) -> None:
    """Rule 10: an erasing or silencing word must mean nothing else and be far from distress."""
    content = tmp_path / "content"
    shutil.copytree(working_copy.content_dir, content)
    text = (content / "keywords.yml").read_text(encoding="utf-8")
    text = re.sub(
        rf"^{keyword}:.*$", rf"\g<0>\n  - word: {word}\n    why: test", text, count=1, flags=re.M
    )
    (content / "keywords.yml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("RAHNUMA_CONTENT_DIR", str(content))
    get_settings.cache_clear()
    findings = run_checks(get_settings(), rasa=False)
    assert [f for f in findings if why in f.problem and repr(word) in f.problem], findings


def test_a_menu_counts_toward_the_segments(working_copy: Settings) -> None:
    """menu.main alone fits, but not with its four options in Urdu."""
    edit(
        po(working_copy, "ur"),
        "menu.main",
        "آپ کو کس چیز کی ضرورت ہے؟ نیچے سے ایک نمبر لکھ کر بھیجیں۔ ہم حاضر ہیں۔",
    )
    findings = run_checks(working_copy, rasa=False)
    assert any("'menu.main' needs 3 SMS segments in ur" in f.problem for f in findings)


def test_unverified_numbers_in_messages_are_refused(working_copy: Settings) -> None:
    edit(po(working_copy, "en"), "thank.reply", "You are welcome. Call 0300-1234567 any time.")
    findings = run_checks(working_copy, rasa=False)
    assert [f.problem for f in findings] == [
        "'thank.reply' gives the number 0300-1234567, not a verified listing"
    ]


def test_years_are_not_phone_numbers(working_copy: Settings) -> None:
    assert "1992" in (po(working_copy, "en")).read_text(encoding="utf-8")
    assert run_checks(working_copy, rasa=False) == []


def test_placeholders_must_agree(working_copy: Settings) -> None:
    edit(po(working_copy, "ur"), "privacy.notice", "ہم آپ کے پیغامات کچھ دن رکھتے ہیں۔")
    findings = run_checks(working_copy, rasa=False)
    assert [f.problem for f in findings] == [
        "'privacy.notice' has placeholders [], English has ['days']"
    ]


def test_a_broken_file_is_named_with_its_line(working_copy: Settings) -> None:
    path = po(working_copy, "ur")
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(
        i for i, line in enumerate(lines) if line.startswith('msgstr "') and len(line) > 12
    )
    lines[number] = lines[number].rstrip('"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [finding] = run_checks(working_copy, rasa=False)
    assert finding.line == number + 1 and "quot" in finding.fix


def test_cli_exit_status(working_copy: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check", "--skip-rasa"]) == 0
    edit(po(working_copy, "en"), "thank.reply", "Rescue is near. You are welcome.")
    assert main(["content", "check", "--skip-rasa"]) == 1
    err = capsys.readouterr().err
    assert "messages.po:" in err and "fix:" in err


def test_the_organisation_sample_is_as_long_as_production_allows() -> None:
    """The content check budgets the first reply for the longest name production accepts."""
    samples = SAMPLE_CONSTANTS["organisation"]
    assert max(len(name) for name in samples.values()) == MAX_ORGANISATION_CHARACTERS
