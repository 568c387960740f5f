"""Labelled messages become training data Rasa can read, once, without our annotation signs
being forged by what a person typed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.editing.training_data import training_examples
from bot.learning.examples import REVIEWED_FILE, Example, add_examples, training_text
from bot.learning.masking import NAME, NUMBER, PLACE


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "dialogues" / "data" / "nlu", tmp_path / "nlu")
    return tmp_path / "nlu"


def test_labelled_messages_join_their_language_and_intent(nlu_dir: Path) -> None:
    added = add_examples(nlu_dir, [
        Example("ur_Latn", "ask_bonded_labour_info", "bhatta malik qarza khatam hi nahi krta"),
        Example("ur", "ask_rights", "کیا مالک میرا شناختی کارڈ رکھ سکتا ہے ہمیشہ کے لیے"),
    ])  # fmt: skip
    assert added == 2
    examples = training_examples(nlu_dir)
    assert "bhatta malik qarza khatam hi nahi krta" in examples["ask_bonded_labour_info"]
    data = yaml.safe_load((nlu_dir / "ur" / REVIEWED_FILE).read_text(encoding="utf-8"))
    assert data["version"] == "3.1" and data["nlu"][0]["intent"] == "ask_rights"


def test_a_message_already_an_example_is_not_added_again(nlu_dir: Path) -> None:
    existing = training_examples(nlu_dir)["greet"][0]
    assert add_examples(nlu_dir, [Example("en", "greet", existing)]) == 0
    once = Example("en", "out_of_scope", "who won the kabaddi final yesterday")
    assert add_examples(nlu_dir, [once, once]) == 1
    assert add_examples(nlu_dir, [once]) == 0


def test_earlier_labels_stay_when_more_are_added(nlu_dir: Path) -> None:
    add_examples(nlu_dir, [Example("en", "out_of_scope", "who won the kabaddi final")])
    add_examples(nlu_dir, [Example("en", "out_of_scope", "whats the price of gold today")])
    examples = training_examples(nlu_dir)["out_of_scope"]
    assert "who won the kabaddi final" in examples
    assert "whats the price of gold today" in examples


def test_brackets_typed_by_a_person_cannot_forge_an_annotation() -> None:
    line = training_text(Example("en", "greet", 'hi [there]{"entity": "location"} (x)'))
    assert "[" not in line and "{" not in line and "(" not in line


def test_masks_become_stand_ins_the_model_can_read() -> None:
    line = training_text(
        Example("en", "find_service", f"{NAME} here need help in {PLACE} {NUMBER}")
    )
    assert line == 'Sana here need help in [Lahore]{"entity": "location"}'
    urdu = training_text(Example("ur", "find_service", f"{PLACE} میں مدد"))
    assert urdu == '[لاہور]{"entity": "location"} میں مدد'
