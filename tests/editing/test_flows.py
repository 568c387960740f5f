"""Changes to the information flows: drafts, live only after a second person approves them,
checked before they reach info.yml, and read by the action server without a restart."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from actions.content import ACTION_CHOICES as ACTIONS_CHOICES
from actions.content import load_info, parse_info
from bot.config import ROOT, Settings, get_settings
from bot.console.auth import add_staff
from bot.editing.flows import (
    ACTION_CHOICES,
    FLOW_LANGUAGE,
    FlowConflictError,
    FlowError,
    Flows,
    TwoPersonRuleError,
    approve_flow,
    is_flow_version,
    open_flow_drafts,
    read_flows,
    reject_flow,
    restore_flow,
    rewrite,
    save_new_topic,
    save_removal,
    save_topic,
    topic_body,
    topic_yaml,
    tree,
)
from bot.editing.publish import UnknownVersionError, ensure_published, restore
from bot.store import Database, DraftStatus, FlowDraft, Publication, Role, StaffMember
from tests.editing.conftest import edit

# Urdu for "the rules there", long enough that a four-choice menu with it needs a third SMS
# segment while every menu it is in today fits two.
LONG_URDU_LABEL = "وہاں کے اصول، روزمرہ کی پابندیاں اور آپ کے اپنے حقوق کیا ہیں"


@dataclass
class Editors:
    config: Settings
    db: Database
    amina: StaffMember
    bilal: StaffMember

    @property
    def info(self) -> Path:
        return self.config.content_dir / "info.yml"


@pytest.fixture
def editors(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editors:
    """Copies of content/ and the catalogs (the repository's are never changed), published
    once as the gateway's first start does, and two editors."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setenv("RAHNUMA_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("RAHNUMA_LOCALES_DIR", str(tmp_path / "locales"))
    monkeypatch.setenv("RAHNUMA_PUBLISHED_DIR", str(tmp_path / "published"))
    get_settings.cache_clear()
    config = get_settings()
    ensure_published(config, database)
    with database.session() as session:
        amina = add_staff(session, username="amina", display_name="Amina", role=Role.EDITOR,
                          password="a long enough password")  # fmt: skip
        bilal = add_staff(session, username="bilal", display_name="Bilal", role=Role.ADMIN,
                          password="a long enough password")  # fmt: skip
    return Editors(config, database, amina, bilal)


def draft_of(e: Editors, author: StaffMember, topic: str, options: list[str]) -> int:
    body = read_flows(e.config.content_dir).topics[topic]
    with e.db.session() as session:
        draft = save_topic(session, e.config, author, topic, text=body["text"], options=options,
                           label=body.get("label"))  # fmt: skip
        assert draft is not None
        return draft.id


def last_publication(db: Database) -> Publication:
    with db.session() as session:
        record = session.scalars(select(Publication).order_by(Publication.id.desc())).first()
        assert record is not None
        return record


# -- the rules and the file ------------------------------------------------------------------


def test_the_rules_are_the_action_servers() -> None:
    assert ACTION_CHOICES == ACTIONS_CHOICES
    data = yaml.safe_load((ROOT / "content" / "info.yml").read_text(encoding="utf-8"))
    assert _flows(data).problems() == []
    signs = "info.trafficking.signs"
    five = ["rights", "reporting", "police", "fia", "court"]
    broken = {
        "unknown choice": {**data, "topics": {**data["topics"],
                                              "signs": {"text": signs, "options": ["nowhere"]}}},
        "more than four": {**data, "topics": {**data["topics"],
                                              "signs": {"text": signs, "options": five}}},
        "unknown topic": {**data, "intents": {**data["intents"], "ask_rights": "nowhere"}},
    }  # fmt: skip
    for why, flows in broken.items():
        with pytest.raises(ValueError, match=why):
            parse_info(flows)  # the action server refuses it...
        assert _flows(flows).problems()  # ...and so do the editors' pages


def _flows(data: dict) -> Flows:
    return Flows(data["intents"], {n: topic_body(b["text"], b["options"], b.get("label"))
                                   for n, b in data["topics"].items()})  # fmt: skip


def test_rewriting_keeps_the_header_and_every_untouched_byte() -> None:
    text = (ROOT / "content" / "info.yml").read_text(encoding="utf-8")
    assert rewrite(text, {}) == text
    header = text[: text.index("\ntopics:\n")]
    assert header.startswith("# Information flows") and "intents:" in header
    changed = rewrite(text, {"children": topic_body("info.children", ["main_menu"]),
                             "visa": None})  # fmt: skip
    assert changed.startswith(header + "\ntopics:\n")
    visa = "  visa:\n    text: info.job_offer.visa\n    options: [agent, reporting, find_service, request_human]\n"
    children = (
        "    text: info.children\n    options: [children_next, find_service, request_human]\n"
    )
    assert visa in text and children in text
    expected = text.replace(visa, "").replace(
        children, "    text: info.children\n    options: [main_menu]\n"
    )
    assert changed == expected  # every other byte as it was


# -- drafts and approval ---------------------------------------------------------------------


def test_a_change_goes_live_only_when_another_person_approves_it(editors: Editors) -> None:
    e = editors
    original = e.info.read_bytes()
    assert load_info().topics["children"].options == ("children_next", "find_service",
                                                      "request_human")  # fmt: skip
    draft_id = draft_of(e, e.amina, "children", ["children_next", "legal_aid", "request_human"])
    assert e.info.read_bytes() == original  # a draft is not live
    with pytest.raises(TwoPersonRuleError):
        approve_flow(e.config, e.db, draft_id, e.amina)  # never by its own author
    assert e.info.read_bytes() == original
    result = approve_flow(e.config, e.db, draft_id, e.bilal)
    assert result.ok and result.changed_keys == ["flow:topic:children"]
    # The action server's loader, as it runs, reads the new flows on its next turn.
    assert load_info().topics["children"].options == ("children_next", "legal_aid",
                                                      "request_human")  # fmt: skip
    assert e.info.read_text(encoding="utf-8").startswith("# Information flows, in short steps")
    record = last_publication(e.db)
    assert is_flow_version(record.version) and record.id == result.publication_id
    assert (record.published_by, record.approved_by, record.authors) == ("Bilal", "Bilal",
                                                                         ["Amina"])  # fmt: skip
    assert record.diff == [{
        "language": FLOW_LANGUAGE, "key": "topic:children",
        "before": "text: info.children\noptions: [children_next, find_service, request_human]",
        "after": "text: info.children\noptions: [children_next, legal_aid, request_human]",
    }]  # fmt: skip
    with e.db.session() as session:
        draft = session.get_one(FlowDraft, draft_id)
        assert (draft.status, draft.reviewed_by) == (DraftStatus.PUBLISHED, "Bilal")
        assert open_flow_drafts(session) == []


def test_the_file_is_replaced_whole_and_keeps_its_permissions(editors: Editors) -> None:
    e = editors
    e.info.chmod(0o644)
    inode = e.info.stat().st_ino
    approve_flow(
        e.config,
        e.db,
        draft_of(e, e.amina, "children", ["children_next", "request_human"]),
        e.bilal,
    )
    assert e.info.stat().st_ino != inode  # os.replace: a reader never sees half a file
    assert e.info.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in e.info.parent.iterdir() if p.name.startswith(".")] == []


def test_a_draft_written_before_a_newer_change_cannot_undo_it(editors: Editors) -> None:
    e = editors
    older = draft_of(e, e.amina, "children", ["children_next", "request_human"])
    newer = draft_of(e, e.bilal, "children", ["children_next", "legal_aid", "request_human"])
    assert approve_flow(e.config, e.db, newer, e.amina).ok
    live = e.info.read_bytes()
    with pytest.raises(FlowConflictError, match="children"):
        approve_flow(e.config, e.db, older, e.bilal)
    assert e.info.read_bytes() == live
    with e.db.session() as session:
        assert session.get_one(FlowDraft, older).status == DraftStatus.OPEN  # sent back by hand
        reject_flow(session, older, e.bilal)
        assert session.get_one(FlowDraft, older).status == DraftStatus.REJECTED


def test_a_newer_draft_by_the_same_author_replaces_the_older(editors: Editors) -> None:
    e = editors
    first = draft_of(e, e.amina, "children", ["children_next", "request_human"])
    second = draft_of(e, e.amina, "children", ["children_next", "find_service"])
    with e.db.session() as session:
        assert session.get_one(FlowDraft, first).status == DraftStatus.REPLACED
        assert [d.id for d in open_flow_drafts(session)] == [second]
    with e.db.session() as session:
        unchanged = read_flows(e.config.content_dir).topics["children"]
        assert save_topic(session, e.config, e.amina, "children", text=unchanged["text"],
                          options=unchanged["options"]) is None  # fmt: skip


def test_a_menu_has_at_most_four_choices(editors: Editors) -> None:
    e = editors
    with e.db.session() as session, pytest.raises(FlowError, match="at most four"):
        save_topic(session, e.config, e.amina, "children", text="info.children",
                   options=["children_next", "legal_aid", "police", "court", "main_menu"])  # fmt: skip
    with e.db.session() as session, pytest.raises(FlowError, match="already has four choices"):
        save_new_topic(session, e.config, e.amina, "helpers", text="info.children",
                       label="option.topic.what_next", options=[], offered_from="overview")  # fmt: skip
    with e.db.session() as session:
        assert open_flow_drafts(session) == []


def test_choices_name_topics_or_actions_and_texts_that_exist(editors: Editors) -> None:
    e = editors
    with e.db.session() as session, pytest.raises(FlowError, match="no topic"):
        save_topic(session, e.config, e.amina, "children", text="info.children",
                   options=["nowhere"])  # fmt: skip
    with e.db.session() as session, pytest.raises(FlowError, match="no information text"):
        save_topic(session, e.config, e.amina, "children", text="option.yes", options=[])
    with e.db.session() as session, pytest.raises(FlowError, match="no menu label"):
        save_new_topic(session, e.config, e.amina, "helpers", text="info.children", label="",
                       options=[], offered_from="children")  # fmt: skip


def test_a_topic_nothing_leads_to_is_refused(editors: Editors) -> None:
    e = editors
    with e.db.session() as session, pytest.raises(FlowError, match="Nothing would lead"):
        save_new_topic(session, e.config, e.amina, "helpers", text="info.children",
                       label="option.topic.what_next", options=[], offered_from="")  # fmt: skip
    # Taking the only way to a topic out of a menu would strand it.
    assert read_flows(e.config.content_dir).offered_from("signs") == ["trafficking"]
    with e.db.session() as session, pytest.raises(FlowError, match="Nothing leads to “signs”"):
        save_topic(session, e.config, e.amina, "trafficking", text="info.trafficking",
                   options=["bonded_labour", "women_girls", "abroad_online"])  # fmt: skip


def test_a_new_topic_is_offered_from_its_parent_and_goes_live_with_it(editors: Editors) -> None:
    e = editors
    with e.db.session() as session:
        draft = save_new_topic(session, e.config, e.amina, "helpers", text="info.getting_help",
                               label="option.topic.what_next", options=["request_human"],
                               offered_from="children")  # fmt: skip
        assert draft is not None and draft.before == {"helpers": None, "children": {
            "text": "info.children", "options": ["children_next", "find_service", "request_human"]}}  # fmt: skip
        draft_id = draft.id
    assert approve_flow(e.config, e.db, draft_id, e.bilal).ok
    info = load_info()
    assert info.topics["children"].options[-1] == "helpers"
    assert info.topics["helpers"].label == "option.topic.what_next"
    names = [row.name for row in tree(read_flows(e.config.content_dir), {})]
    assert names.index("helpers") == names.index("children_next") + 1  # under children


def test_a_topic_still_offered_or_started_cannot_be_removed(editors: Editors) -> None:
    e = editors
    with e.db.session() as session, pytest.raises(FlowError, match="offered by trafficking"):
        save_removal(session, e.config, e.amina, "signs")
    with e.db.session() as session, pytest.raises(FlowError, match="ask_legal_aid"):
        save_removal(session, e.config, e.amina, "legal_aid")
    with e.db.session() as session, pytest.raises(FlowError, match="where every flow begins"):
        save_removal(session, e.config, e.amina, "overview")
    # A topic goes with the change that takes away the last way to it, when asked to.
    with e.db.session() as session:
        draft = save_topic(session, e.config, e.amina, "trafficking", text="info.trafficking",
                           options=["bonded_labour", "women_girls", "abroad_online"],
                           drop_unreachable=True)  # fmt: skip
        assert draft is not None and draft.after["signs"] is None
        draft_id = draft.id
    assert approve_flow(e.config, e.db, draft_id, e.bilal).ok
    assert "signs" not in load_info().topics
    assert "  signs:\n" not in e.info.read_text(encoding="utf-8")


# -- the content check -----------------------------------------------------------------------


def test_a_refused_check_leaves_info_yml_byte_for_byte(editors: Editors) -> None:
    e = editors
    po = e.config.locales_dir / "ur" / "LC_MESSAGES" / "messages.po"
    edit(po, "option.topic.shelter_rules", LONG_URDU_LABEL)  # fine in every menu it is in now
    original = e.info.read_bytes()
    draft_id = draft_of(e, e.amina, "children",
                        ["children_next", "find_service", "request_human", "shelter_rules"])  # fmt: skip
    result = approve_flow(e.config, e.db, draft_id, e.bilal)
    assert not result.ok
    assert any("3 SMS segments in ur" in f.problem for f in result.findings)
    assert e.info.read_bytes() == original
    assert "shelter_rules" not in load_info().topics["children"].options
    assert is_flow_version(last_publication(e.db).version) is False  # nothing recorded
    with e.db.session() as session:
        assert session.get_one(FlowDraft, draft_id).status == DraftStatus.OPEN


# -- restoring -------------------------------------------------------------------------------


def test_restoring_puts_a_topic_back_as_it_was_before_a_publication(editors: Editors) -> None:
    e = editors
    original = e.info.read_bytes()
    with e.db.session() as session:
        draft = save_new_topic(session, e.config, e.amina, "helpers", text="info.getting_help",
                               label="option.topic.what_next", options=["request_human"],
                               offered_from="children")  # fmt: skip
        assert draft is not None
        draft_id = draft.id
    published = approve_flow(e.config, e.db, draft_id, e.bilal)
    assert published.publication_id is not None and "helpers" in load_info().topics
    undone = restore_flow(e.config, e.db, published.publication_id, e.amina)
    assert undone.ok
    assert e.info.read_bytes() == original  # the only change, undone: the file as it was
    assert "helpers" not in load_info().topics
    record = last_publication(e.db)
    assert (record.id, record.approved_by, record.restored_from) == (
        undone.publication_id,
        "Amina",
        published.version,
    )
    assert {row["key"] for row in record.diff} == {"topic:helpers", "topic:children"}
    with pytest.raises(FlowError, match="already as they were"):
        restore_flow(e.config, e.db, published.publication_id, e.amina)


def test_a_flow_publication_is_never_taken_for_catalogs(editors: Editors) -> None:
    e = editors
    result = approve_flow(e.config, e.db, draft_of(e, e.amina, "children", ["children_next", "main_menu"]),
                          e.bilal)  # fmt: skip
    first = _first_catalog_version(e.db)
    assert is_flow_version(result.version) and not is_flow_version(first)
    with pytest.raises(UnknownVersionError):
        restore(e.config, result.version, by="Amina")  # no catalogs to serve: refused
    with pytest.raises(UnknownVersionError):
        restore_flow(e.config, e.db, _id_of(e.db, first), e.amina)  # and the other way round


def _first_catalog_version(db: Database) -> str:
    with db.session() as session:
        return session.scalars(select(Publication.version).order_by(Publication.id)).first() or ""


def _id_of(db: Database, version: str) -> int:
    with db.session() as session:
        return session.scalars(select(Publication.id).where(Publication.version == version)).one()


def test_the_header_comment_survives_every_change(editors: Editors) -> None:
    e = editors
    text = e.info.read_text(encoding="utf-8")
    header = text[: text.index("topics:\n")]
    approve_flow(
        e.config, e.db, draft_of(e, e.amina, "children", ["children_next", "main_menu"]), e.bilal
    )
    assert e.info.read_text(encoding="utf-8").startswith(header)
    assert topic_yaml(None) == ""
