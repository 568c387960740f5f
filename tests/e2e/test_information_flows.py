"""Every information flow, in all three languages, by free text and by menu, through the
gateway, the real engine and the real action server (issue 15)."""

from __future__ import annotations

from collections import deque

import httpx
import pytest
import yaml

from bot.config import ROOT, get_settings
from bot.conversation.danger import DangerLexicon
from bot.wording.catalogs import Catalogs
from tests.auxil.survivor import Survivor, text_of

pytestmark = pytest.mark.e2e

LANGUAGES = ("en", "ur", "ur_Latn")
INFORMATION = "2"  # the main menu's "Information and your rights"
INFO = yaml.safe_load((ROOT / "content" / "info.yml").read_text(encoding="utf-8"))
# The flows issue 15 added: each starts where its intent does.
NEW_FLOWS = {
    intent: topic
    for intent, topic in INFO["intents"].items()
    if intent
    not in {
        "ask_trafficking_info",
        "ask_bonded_labour_info",
        "ask_rights",
        "ask_reporting",
        "ask_job_offer",
    }
}


def _free_text() -> list[tuple[str, str, str]]:
    """(language, message, intent): what people type in the test stories, never a payload,
    and never a danger phrase (the gateway answers those with the emergency numbers first)."""
    danger = DangerLexicon.from_file(ROOT / "content" / "danger.yml")
    cases = []
    for language in LANGUAGES:
        path = ROOT / "dialogues" / "tests" / "stories" / f"test_{language}.yml"
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                said = str(step.get("user", "")).strip()
                if (
                    step.get("intent") in NEW_FLOWS
                    and said
                    and not said.startswith("/")
                    and not danger.is_danger(said)
                ):
                    cases.append((language, said, step["intent"]))
    return cases


def _digits_to(topic: str) -> list[str]:
    """The shortest path of menu digits from the information overview to a topic."""
    paths = deque([("overview", [])])
    seen = set()
    while paths:
        name, digits = paths.popleft()
        if name == topic:
            return digits
        if name in seen:
            continue
        seen.add(name)
        for number, choice in enumerate(INFO["topics"][name]["options"], start=1):
            if choice in INFO["topics"]:
                paths.append((choice, [*digits, str(number)]))
    raise AssertionError(f"{topic} is not reachable from the overview")


def _first_line(language: str, topic: str) -> str:
    text = Catalogs(get_settings().locales_dir).text(language, INFO["topics"][topic]["text"])
    return text.splitlines()[0][:40]


def test_every_new_flow_has_free_text_cases_in_every_language() -> None:
    covered = {(language, intent) for language, _, intent in _free_text()}
    assert covered == {(language, intent) for language in LANGUAGES for intent in NEW_FLOWS}


@pytest.mark.parametrize(("language", "message", "intent"), _free_text())
def test_a_new_flow_is_reached_by_free_text(
    gateway: httpx.Client, language: str, message: str, intent: str
) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(language)
    replies = survivor.says(message)
    assert _first_line(language, NEW_FLOWS[intent]) in text_of(replies), survivor.transcript
    assert "\n1 " in replies[-1]["text"] and "\n0 " in replies[-1]["text"]  # numbered choices


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", sorted(set(NEW_FLOWS.values())))
def test_a_new_flow_is_reached_by_menu(gateway: httpx.Client, language: str, topic: str) -> None:
    survivor = Survivor(gateway)
    survivor.onboard(language)
    replies = survivor.says(INFORMATION)
    for digit in _digits_to(topic):
        replies = survivor.says(digit)
    assert _first_line(language, topic) in text_of(replies), survivor.transcript


@pytest.mark.parametrize(
    ("language", "message", "topic"),
    [
        ("en", "what is vani", "forced_marriage"),
        ("ur", "زبردستی شادی سے کیسے بچوں", "forced_marriage"),
        ("ur_Latn", "gurda bechne par majboor kar rahe hain", "organ_trade"),
    ],
)
def test_words_of_danger_bring_the_numbers_and_still_the_answer_asked_for(
    gateway: httpx.Client, language: str, message: str, topic: str
) -> None:
    """Naming forced marriage or a kidney sale is a danger phrase: the emergency numbers come
    first, then a person is offered, and the flow asked about is the third choice."""
    survivor = Survivor(gateway)
    survivor.onboard(language)
    replies = survivor.says(message)
    assert "15" in text_of(replies) and "1122" in text_of(replies)
    assert "\n3 " in replies[-1]["text"]
    assert _first_line(language, topic) in text_of(survivor.says("3")), survivor.transcript
