from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ROOT
from bot.conversation.keywords import DESTRUCTIVE, Keyword, KeywordMatcher

MATCHER = KeywordMatcher.from_file(ROOT / "content" / "keywords.yml")


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("EXIT", Keyword.EXIT), (" exit. ", Keyword.EXIT), ("exit karo", Keyword.EXIT),
        ("ایگزٹ", Keyword.EXIT), ("STOP", Keyword.STOP), ("unsubscribe", Keyword.STOP),
        ("End", Keyword.STOP), ("QUIT", Keyword.STOP), ("stopall", Keyword.STOP),
        ("REVOKE", Keyword.STOP), ("optout", Keyword.STOP), ("cancel", Keyword.STOP),
        ("sms band karo", Keyword.STOP), ("میسج بند کرو", Keyword.STOP), ("START", Keyword.START),
        ("shuru", Keyword.START), ("help", Keyword.HELP), ("HELP!", Keyword.HELP),
        (" Help ", Keyword.HELP), ("delete", Keyword.DELETE), ("mita do", Keyword.DELETE),
        ("مٹا دیں", Keyword.DELETE), ("language", Keyword.LANGUAGE), ("zuban", Keyword.LANGUAGE),
        ("زبان", Keyword.LANGUAGE), ("privacy", Keyword.PRIVACY), ("رازداری", Keyword.PRIVACY),
        ("langauge", Keyword.LANGUAGE),  # harmless words tolerate one typo
    ],
)  # fmt: skip
def test_keywords_in_three_languages(text: str, keyword: Keyword) -> None:
    match = MATCHER.match(text)
    assert match is not None and match.keyword is keyword


@pytest.mark.parametrize(
    ("text", "code"), [("urdu", "ur"), ("اردو", "ur"), ("English", "en"), ("roman urdu", "ur_Latn")]
)
def test_a_language_named_alone_switches_to_it(text: str, code: str) -> None:
    assert MATCHER.match(text) == MATCHER.match(text) and MATCHER.match(text).value == code  # type: ignore[union-attr]


def test_digits_only_when_a_menu_has_them() -> None:
    assert MATCHER.match("2") is None
    match = MATCHER.match("۲", {"1", "2"})  # an Urdu digit works like 2
    assert match is not None and (match.keyword, match.value) == (Keyword.MENU_CHOICE, "2")


@pytest.mark.parametrize("text", ["cancer", "stops", "star", "and", "smart"])
def test_opt_out_and_opt_in_are_exact_words_only(text: str) -> None:
    match = MATCHER.match(text)
    assert match is None or match.keyword not in (Keyword.STOP, Keyword.START)


# What the last review found erasing or ending conversations: near matches, ordinary words
# and words of distress. None may act as EXIT, STOP or DELETE (SAFETY.md rule 10).
NEVER_DESTRUCTIVE = [
    "milao", "mila do", "nikalo", "nikal", "نکالو", "نکلو", "nikah", "bahar", "bahir", "باہر",
    "bahan", "bazar", "edit", "Exti", "exitt", "DELEET", "delet", "mitaoo", "band karo",
    "بند کرو", "bachao", "get me out", "stopp", "stp", "ends", "quite",
]  # fmt: skip


@pytest.mark.parametrize("text", NEVER_DESTRUCTIVE)
def test_no_near_match_ordinary_word_or_distress_erases_or_silences(text: str) -> None:
    match = MATCHER.match(text)
    assert match is None or match.keyword not in DESTRUCTIVE, (text, match)


def test_destructive_words_must_say_why_they_are_safe(tmp_path: Path) -> None:
    path = tmp_path / "keywords.yml"
    path.write_text("exit:\n  - nikalo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a `why`"):
        KeywordMatcher.from_file(path)


# Ordinary messages survivors send: none may trigger a keyword by accident.
ORDINARY = [
    "I need help", "mujhe madad chahiye", "مجھے مدد چاہیے", "please stop them", "they will not let me leave",
    "how do I end this debt", "I want to quit this job", "can you delete my passport problem",
    "main lahore mein hoon", "kya ye trafficking hai", "yes", "no", "ok", "salam", "shukriya",
    "help me please", "I want to exit this country", "cancel my contract with the agent",
    "stop the kiln owner", "start again please", "کام بند کرو", "zuban urdu", "delete everything I said",
    "language is a problem", "hello", "1", "thanks", "mujhe bachao", "they locked me in", "baahar jana hai",
]  # fmt: skip


def test_ordinary_messages_rarely_trigger_keywords() -> None:
    """Whole-message matching keeps accidental triggers at zero on this list."""
    triggered = [text for text in ORDINARY if MATCHER.match(text)]
    assert triggered == []


def test_training_examples_do_not_trigger_keywords_by_accident() -> None:
    """Every NLU training example is something a person might really write: measure how
    many the keyword layer would swallow. Only those that *are* keywords may match."""
    from tests.dialogues.test_training_data import NLU, examples

    expected = {  # intents whose examples may legitimately be a keyword
        Keyword.CHOOSE_LANGUAGE: {"change_language"},
        Keyword.LANGUAGE: {"change_language"},
        Keyword.DELETE: {"delete_data"},
        Keyword.PRIVACY: {"privacy_info"},
        Keyword.HELP: {"find_service", "emergency", "request_human"},
        Keyword.START: {"greet"},
        Keyword.EXIT: {"goodbye"},
        Keyword.STOP: {"skip", "deny", "goodbye"},
    }
    total, wrong = 0, []
    for language in ("en", "ur", "ur_Latn"):
        for intent, texts in examples(NLU / language).items():
            for text in texts:
                total += 1
                match = MATCHER.match(_plain(text))
                if match and intent not in expected.get(match.keyword, set()):
                    wrong.append((intent, text, match.keyword))
    assert total > 2000
    assert wrong == [], f"{len(wrong)} of {total} ordinary messages would trigger a keyword"


def _plain(text: str) -> str:
    import re

    return re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", text)
