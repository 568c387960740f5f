"""The editors' list once labels are given: what DELETE takes back from the training data,
and what can no longer change once a model learnt it. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.directory import load_gazetteer
from bot.editing.training_data import training_examples
from bot.learning.examples import Example, add_examples
from bot.learning.review import ReviewError, UnrecognisedLog, dismiss, label, reopen
from bot.privacy.identity import Vault
from bot.store import Contact, Database, ReviewStatus, UnrecognisedMessage
from tests.auxil.pipeline import KEY

PERSON = "p_review"
SAID = "bhatte ka munshi hisaab chupata hai har maheene"


@pytest.fixture
def log(database: Database, tmp_path: Path) -> UnrecognisedLog:
    shutil.copytree(ROOT / "dialogues" / "data" / "nlu", tmp_path / "nlu")
    with database.session() as session:
        session.add(Contact(pseudonym=PERSON, channel="sms", address_sealed=b"x", language="ur"))
    gazetteer = load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
    return UnrecognisedLog(database, Vault(KEY), gazetteer, tmp_path / "nlu")


def test_delete_takes_a_trained_label_out_of_the_training_data(
    log: UnrecognisedLog, database: Database
) -> None:
    row_id = log.keep(PERSON, "ur_Latn", SAID, (("ask_rights", 0.4),))
    assert row_id is not None and log.nlu_dir is not None
    with database.session() as session:
        label(session, row_id, "ask_bonded_labour_info", by="Erum",
              intents=["ask_bonded_labour_info"])  # fmt: skip
    add_examples(log.nlu_dir, [Example("ur_Latn", "ask_bonded_labour_info", SAID)])
    with database.session() as session:
        session.get_one(UnrecognisedMessage, row_id).status = ReviewStatus.TRAINED
    assert SAID in training_examples(log.nlu_dir)["ask_bonded_labour_info"]
    log.forget(PERSON)
    assert SAID not in training_examples(log.nlu_dir)["ask_bonded_labour_info"]
    reviewed = log.nlu_dir / "ur_Latn" / "reviewed.yml"
    assert yaml.safe_load(reviewed.read_text(encoding="utf-8"))["version"] == "3.1"


def test_a_trained_message_can_no_longer_be_relabelled_dismissed_or_reopened(
    log: UnrecognisedLog, database: Database
) -> None:
    row_id = log.keep(PERSON, "ur_Latn", SAID, ())
    assert row_id is not None
    with database.session() as session:
        session.get_one(UnrecognisedMessage, row_id).status = ReviewStatus.TRAINED
    with database.session() as session:
        with pytest.raises(ReviewError, match="training data already"):
            label(session, row_id, "greet", by="Erum", intents=["greet"])
        with pytest.raises(ReviewError, match="training data already"):
            dismiss(session, row_id, by="Erum")
        with pytest.raises(ReviewError, match="training data already"):
            reopen(session, row_id)


def test_a_message_with_an_address_masking_missed_is_not_kept(log: UnrecognisedLog) -> None:
    assert log.keep(PERSON, "en", "write to sana dot bibi at gmail", ()) is None


def test_a_control_character_cannot_break_the_training_data(log: UnrecognisedLog) -> None:
    assert log.nlu_dir is not None
    add_examples(log.nlu_dir, [Example("en", "greet", "hello\x00 there\x1b friend")])
    assert "hello there friend" in training_examples(log.nlu_dir)["greet"]
