"""The training data keeps the NLU contract (shared INTENTS.md) in all three languages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.directory.nlu_export import locations_nlu
from bot.wording.languages import normalize

NLU = ROOT / "dialogues" / "data" / "nlu"
HELDOUT = ROOT / "dialogues" / "tests" / "nlu_heldout"
INDEPENDENT = ROOT / "dialogues" / "tests" / "nlu_independent"
BLIND = ROOT / "dialogues" / "tests" / "nlu_blind"  # never used to choose training data
LANGUAGES = ["en", "ur", "ur_Latn"]
CONTRACT = [
    "greet", "goodbye", "affirm", "deny", "thank", "emergency", "ask_trafficking_info",
    "ask_bonded_labour_info", "ask_rights", "ask_reporting", "ask_job_offer", "find_service",
    "inform", "request_human", "change_language", "privacy_info", "delete_data",
    "bot_challenge", "out_of_scope",
]  # fmt: skip
SERVICE_TYPES = {
    "shelter", "legal_aid", "medical", "counselling", "police", "rescue", "helpline",
    "labour_rights", "financial_support",
}  # fmt: skip
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}")


def examples(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                lines = [ln.strip()[2:] for ln in block["examples"].splitlines() if ln.strip()]
                found.setdefault(block["intent"], []).extend(lines)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_contract_intent_has_25_examples_per_language(language: str) -> None:
    counts = {intent: len(texts) for intent, texts in examples(NLU / language).items()}
    short = {intent: counts.get(intent, 0) for intent in CONTRACT if counts.get(intent, 0) < 25}
    assert short == {}


def test_domain_declares_exactly_the_trained_intents() -> None:
    domain = yaml.safe_load((ROOT / "dialogues/domain/intents.yml").read_text(encoding="utf-8"))
    trained = set().union(*(examples(NLU / lang).keys() for lang in LANGUAGES))
    assert set(domain["intents"]) == trained
    assert set(CONTRACT) <= trained


@pytest.mark.parametrize("language", LANGUAGES)
def test_training_text_is_normalised_as_the_gateway_sends_it(language: str) -> None:
    for intent, texts in examples(NLU / language).items():
        for text in texts:
            assert normalize(text) == text, (intent, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_examples_are_not_in_training(language: str) -> None:
    def plain(text: str) -> str:
        return _ANNOTATION.sub(r"\1", text).lower()

    trained = {plain(t) for texts in examples(NLU / language).values() for t in texts}
    heldout = [plain(t) for texts in examples(HELDOUT / language).values() for t in texts]
    assert heldout
    assert [t for t in heldout if t in trained] == []


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", _ANNOTATION.sub(r"\1", text).lower()))


# Two messages sharing this share of their words are one message for the figures' sake.
NEAR_COPY = 0.8


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_training_example_is_a_near_copy_of_a_test_message(language: str) -> None:
    """Exact copies are refused above; a test message with its words reordered or one word
    changed in training ("mera data mita do" / "data mita do mera") flatters the figures as
    much. Messages of three words or more: shorter ones coincide by nature ("ok ji")."""
    tests = [
        _words(text)
        for folder in (HELDOUT, INDEPENDENT, BLIND)
        for texts in examples(folder / language).values()
        for text in texts
    ]
    tests = [words for words in tests if len(words) >= 3]
    near = []
    for texts in examples(NLU / language).values():
        for text in texts:
            words = _words(text)
            if len(words) >= 3 and any(
                len(words & other) / len(words | other) >= NEAR_COPY for other in tests
            ):
                near.append(text)
    assert near == []


def test_no_example_under_two_intents() -> None:
    owners: Counter[str] = Counter()
    for language in LANGUAGES:
        for texts in examples(NLU / language).values():
            owners.update({_ANNOTATION.sub(r"\1", t).lower() for t in texts})
    assert [text for text, n in owners.items() if n > 1] == []


def test_service_type_annotations_use_canonical_values() -> None:
    for language in LANGUAGES:
        for texts in examples(NLU / language).values():
            for text in texts:
                for value in re.findall(r'"entity": "service_type", "value": "(\w+)"', text):
                    assert value in SERVICE_TYPES, text


def test_location_names_are_generated_from_the_gazetteer() -> None:
    """The NLU and the directory share one source of place names; regenerate when stale."""
    generated = locations_nlu(ROOT / "data" / "seed" / "districts_pk.yaml")
    on_disk = (NLU / "shared" / "locations.yml").read_text(encoding="utf-8")
    assert on_disk == generated, "run `.venv/bin/rahnuma content locations`"
