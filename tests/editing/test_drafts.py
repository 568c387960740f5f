"""Drafts of texts: kept apart from what survivors read until a second person approves them."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.config import ROOT, Settings, get_settings
from bot.console.auth import add_staff
from bot.editing.drafts import (
    DraftConflictError,
    DraftError,
    TwoPersonRuleError,
    approve,
    as_sent,
    needs_translation,
    notes_on,
    open_drafts,
    reject,
    save_draft,
    working_texts,
)
from bot.editing.publish import PublishResult, ensure_published, restore, served_locales
from bot.store import Database, DraftStatus, Publication, Role, StaffMember, TextDraft
from bot.wording.catalogs import Catalogs

NEW_URDU = "آپ کا بہت شکریہ، جب چاہیں دوبارہ لکھیں۔"


@pytest.fixture
def editors(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, Database, StaffMember, StaffMember]:
    """A working copy of the catalogs, published once, and two editors."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setenv("RAHNUMA_LOCALES_DIR", str(locales))
    monkeypatch.setenv("RAHNUMA_PUBLISHED_DIR", str(tmp_path / "published"))
    get_settings.cache_clear()
    config = get_settings()
    ensure_published(config, database)  # as the gateway's first start does
    with database.session() as session:
        amina = add_staff(session, username="amina", display_name="Amina", role=Role.EDITOR,
                          password="a long enough password")  # fmt: skip
        bilal = add_staff(session, username="bilal", display_name="Bilal", role=Role.ADMIN,
                          password="a long enough password")  # fmt: skip
    return config, database, amina, bilal


def served(config: Settings, language: str, key: str) -> str:
    return Catalogs(served_locales(config)).render(language, key)


def test_a_draft_changes_nothing_until_another_person_approves_it(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, bilal = editors
    old = served(config, "ur", "thank.reply")
    with db.session() as session:
        draft = save_draft(session, config, amina, "ur", "thank.reply", NEW_URDU)
        draft_id = draft.id
    assert served(config, "ur", "thank.reply") == old  # a draft is not live
    with pytest.raises(TwoPersonRuleError):
        approve(config, db, [draft_id], amina)  # never its own author
    assert served(config, "ur", "thank.reply") == old
    result = approve(config, db, [draft_id], bilal)
    assert result.ok and result.changed_keys == ["ur:thank.reply"]
    assert served(config, "ur", "thank.reply") == NEW_URDU
    assert working_texts(config.locales_dir)["thank.reply"]["ur"] == NEW_URDU
    with db.session() as session:
        record = session.scalars(select(Publication).order_by(Publication.id.desc())).first()
        assert record is not None
        assert (record.published_by, record.approved_by, record.authors) == (
            "Bilal", "Bilal", ["Amina"],
        )  # fmt: skip
        assert record.diff == [
            {"language": "ur", "key": "thank.reply", "before": old, "after": NEW_URDU}
        ]
        assert open_drafts(session) == []


def test_restoring_an_earlier_publication_brings_the_old_text_back(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, bilal = editors
    old = served(config, "ur", "thank.reply")
    with db.session() as session:
        first = session.scalars(select(Publication.version)).first()
        draft_id = save_draft(session, config, amina, "ur", "thank.reply", NEW_URDU).id
    approve(config, db, [draft_id], bilal)
    assert first is not None
    result = restore(config, first, by="Amina")
    assert result.changed_keys == ["ur:thank.reply"]
    assert served(config, "ur", "thank.reply") == old
    assert working_texts(config.locales_dir)["thank.reply"]["ur"] == old  # next draft starts here
    with db.session() as session:
        record = session.scalars(select(Publication).order_by(Publication.id.desc())).first()
        assert record is not None and record.restored_from == first


def test_a_refused_publish_leaves_the_working_catalogs_as_they_were(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    """The full check runs at approval: a text fine alone may break a menu's segments."""
    config, db, amina, bilal = editors
    po = config.locales_dir / "en" / "LC_MESSAGES" / "messages.po"
    before = po.read_bytes()
    question = ("Can we keep your messages this way? " * 9)[:300] + "?"  # alone: 2 segments
    with db.session() as session:
        draft_id = save_draft(session, config, amina, "en", "consent.ask", question).id
    result = approve(config, db, [draft_id], bilal)
    assert not result.ok
    assert po.read_bytes() == before
    with db.session() as session:
        assert [d.id for d in open_drafts(session)] == [draft_id]  # still there to fix


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("شکریہ {name}", "Placeholders"),
        ("Thank you {", "without its pair"),
        ("Trafficking help is here for you", "locked phone"),
        ("Why did you go with them?", "blames"),
        ("x" * 400, "segments"),
    ],
)
def test_a_draft_the_check_would_refuse_is_refused_at_once(
    editors: tuple[Settings, Database, StaffMember, StaffMember], text: str, problem: str
) -> None:
    config, db, amina, _ = editors
    language = "ur" if text.startswith("شکریہ") else "en"
    with db.session() as session, pytest.raises(DraftError, match=problem):
        save_draft(session, config, amina, language, "thank.reply", text)


def test_unknown_texts_and_languages_are_refused(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, _ = editors
    with db.session() as session:
        with pytest.raises(DraftError, match="no text"):
            save_draft(session, config, amina, "en", "no.such.key", "hello")
        with pytest.raises(DraftError, match="no language"):
            save_draft(session, config, amina, "fr", "thank.reply", "merci")


def test_a_draft_written_before_another_change_cannot_undo_it(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, bilal = editors
    with db.session() as session:
        stale = save_draft(session, config, amina, "ur", "thank.reply", NEW_URDU).id
        fresh = save_draft(session, config, bilal, "ur", "thank.reply", "بہت شکریہ۔").id
    approve(config, db, [fresh], amina)
    with pytest.raises(DraftConflictError, match=r"ur:thank\.reply"):
        approve(config, db, [stale], bilal)


def test_an_english_change_marks_the_other_languages_for_translation(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, bilal = editors
    with db.session() as session:
        english = save_draft(
            session, config, amina, "en", "thank.reply", "Thank you. Write any time."
        ).id
    approve(config, db, [english], bilal)
    with db.session() as session:
        assert needs_translation(session, ["en", "ur", "ur_Latn"]) == {
            "thank.reply": {"ur", "ur_Latn"}
        }
        urdu = save_draft(session, config, amina, "ur", "thank.reply", NEW_URDU).id
    approve(config, db, [urdu], bilal)
    with db.session() as session:
        assert needs_translation(session, ["en", "ur", "ur_Latn"]) == {"thank.reply": {"ur_Latn"}}


def test_a_rejected_draft_never_goes_live(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config, db, amina, bilal = editors
    with db.session() as session:
        draft_id = save_draft(session, config, amina, "ur", "thank.reply", NEW_URDU).id
        reject(session, draft_id, bilal)
    with pytest.raises(DraftError):
        approve(config, db, [draft_id], bilal)
    with db.session() as session:
        assert session.get_one(TextDraft, draft_id).status == DraftStatus.REJECTED


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=0, max_size=300))
def test_notes_never_fail_and_count_segments_as_the_check_does(
    editors: tuple[Settings, Database, StaffMember, StaffMember], text: str
) -> None:
    config = editors[0]
    notes = notes_on(config, "ur", "thank.reply", text)
    assert notes.encoding in ("GSM-7", "UCS-2") and notes.segments >= 0
    assert (not text.strip()) <= any("empty" in p for p in notes.problems)


def test_the_preview_renders_the_draft_as_each_channel_sends_it(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    config = editors[0]
    sent = as_sent(config, "ur", "thank.reply", NEW_URDU)
    assert [(s.channel, s.text, s.encoding) for s in sent] == [
        ("sms", NEW_URDU, "UCS-2"), ("telegram", NEW_URDU, "UCS-2"),
    ]  # fmt: skip
    assert as_sent(config, "ur", "thank.reply", "شکریہ {") == []  # broken: the notes say why
    assert served(config, "ur", "thank.reply") != NEW_URDU  # a preview publishes nothing


def test_two_approvals_at_once_neither_undoes_the_other(
    editors: tuple[Settings, Database, StaffMember, StaffMember],
) -> None:
    """A refused approval puts the catalogs back as it found them; one approved meanwhile
    must neither be refused for the other's text nor lose its own."""
    config, db, amina, bilal = editors
    consent_before = working_texts(config.locales_dir)["consent.ask"]["en"]
    too_long = ("Can we keep your messages this way? " * 9)[:300] + "?"  # refused with its menu
    with db.session() as session:
        refused = save_draft(session, config, amina, "en", "consent.ask", too_long).id
        fine = save_draft(
            session, config, amina, "en", "thank.reply", "Thank you. Text us any time."
        ).id
    results: dict[str, PublishResult] = {}

    def run(name: str, draft_id: int, delay: float) -> None:
        time.sleep(delay)
        results[name] = approve(config, db, [draft_id], bilal)

    threads = [threading.Thread(target=run, args=("refused", refused, 0.0)),
               threading.Thread(target=run, args=("fine", fine, 0.3))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not results["refused"].ok
    assert results["fine"].ok, results["fine"].findings
    assert served(config, "en", "thank.reply") == "Thank you. Text us any time."
    texts = working_texts(config.locales_dir)
    assert texts["thank.reply"]["en"] == "Thank you. Text us any time."
    assert texts["consent.ask"]["en"] == consent_before
