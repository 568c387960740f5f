"""The danger lexicon: signs of immediate danger caught whatever the model makes of them."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.config import ROOT
from bot.conversation.danger import DangerLexicon
from tests.dialogues.test_training_data import HELDOUT, NLU, examples

LEXICON = DangerLexicon.from_file(ROOT / "content" / "danger.yml")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}")

# Phrasings the model missed on held-out data (docs/nlu.md), and others like them.
DANGER = [
    "the landlord's guys have a rifle and are shouting at us", "need help right now i am really scared for my life",
    "they LOCKED ME IN!!", "he is beating me", "a man with a knife", "they have guns", "save me please",
    "زمیندار کے آدمی بندوقیں لے کر آ گئے ہیں", "مجھے بچاؤ", "وہ مجھے مار رہے ہیں", "مجھے کمرے میں بند کر رکھا ہے",
    "zamindar ke admi bandooqein le kr aa gaye", "mujhe bachao", "wo maar rahe hain", "jaan ka khatra hai",
    "tehkhane mein band kar rakha hai",
    # Found by the writers of border examples (2026-11-30): no phrase of the lexicon was in them.
    "a car is following me right now", "i fear for my life", "afraid for my life, pls",
    # SMS spellings of "I will die" the review of issue 17 found missing.
    "ab main marjaungi", "mr jaun gi main", "aise to marjaunga",
]  # fmt: skip
ORDINARY = [
    "I need help", "I need a lawyer in Multan", "mujhe madad chahiye", "مجھے رہنے کی جگہ چاہیے", "hello",
    "the kiln owner says I can't leave until I repay", "golimar mein shelter", "can my employer keep my ID card?",
    "is this safe", "bachat ke liye paise", "band karo", "shukriya", "police mein report kaise karun",
    "I want to kill time", "kill the chat", "follow me on insta", "i am following my dream",
    # Ordinary messages the red-team additions first caught (selling, jail, marketing).
    "mera phone bech diya", "یہ فون مجھے بیچ دیں", "مجھے بیچ میں چھوڑ دیا", "مجھے بیچاری لگتی ہے",
    "mera bhai qaid mein hai", "خود کو مارکیٹ کرنا سیکھیں", "I sold my goats", "mujhe apna phone bechna hai",
]  # fmt: skip


@pytest.mark.parametrize("text", DANGER)
def test_danger_phrasings_are_caught(text: str) -> None:
    assert LEXICON.is_danger(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_are_not(text: str) -> None:
    assert not LEXICON.is_danger(text)


def test_rates_on_the_training_data() -> None:
    """Most emergencies caught; almost nothing else. The model covers the rest."""
    caught = total = false_alarms = others = 0
    wrong = []
    for folder in (NLU, HELDOUT):
        for language in ("en", "ur", "ur_Latn"):
            for intent, texts in examples(folder / language).items():
                for text in (_ANNOTATION.sub(r"\1", t) for t in texts):
                    hit = LEXICON.is_danger(text)
                    if intent == "emergency":
                        total += 1
                        caught += hit
                    else:
                        others += 1
                        false_alarms += hit
                        if hit:
                            wrong.append((intent, text))
    assert caught / total >= 0.75, f"caught {caught} of {total} emergencies"
    assert false_alarms / others <= 0.01, wrong


@pytest.mark.parametrize(
    ("phrase", "caught", "missed"),
    [
        ("wo mujhe ... maar dega", "wo mujhe phir se maar dega", "maar dega wo mujhe"),
        ("locked ... in", "they locked me and my sister in", "locked"),
        ("مجھے ... بیچ دیا", "مجھے ابو نے بیچ دیا", "بیچ دیا مجھے"),
    ],
)
def test_a_gap_finds_the_words_in_order_a_few_words_apart(
    phrase: str, caught: str, missed: str
) -> None:
    lexicon = DangerLexicon({"danger": [phrase]})
    assert lexicon.is_danger(caught)
    assert not lexicon.is_danger(missed)
    assert not lexicon.is_danger(caught.split()[0] + " " + "x " * 30 + caught.split()[-1])


def test_a_word_that_is_danger_only_alone() -> None:
    """ "sold" as the whole message is a plea; "I sold my goats" is not."""
    lexicon = DangerLexicon({"danger": ["= sold", "= گردہ"]})
    assert lexicon.is_danger("SOLD!") and lexicon.is_danger("گردہ")
    assert not lexicon.is_danger("I sold my goats") and not lexicon.is_danger("گردہ میں پتھری")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what is vani", "forced_marriage"),
        ("ghar wale zabardasti shadi kar rahe hain", "forced_marriage"),
        ("زبردستی نکاح کروا رہے ہیں", "forced_marriage"),
        ("they want to sell my kidney", "organ_trade"),
        ("gurda bech do kehte hain", "organ_trade"),
        ("forced into prostitution", "sexual_exploitation"),
        ("they locked me in", None),
    ],
)
def test_a_danger_that_names_a_topic_says_which(text: str, topic: str | None) -> None:
    """Issue 15: "what is vani" is a danger phrase and a question; the answer offers both."""
    assert LEXICON.is_danger(text)
    assert LEXICON.about(text) == topic


def test_every_topic_a_danger_can_name_is_an_information_topic() -> None:
    info = yaml.safe_load((ROOT / "content" / "info.yml").read_text(encoding="utf-8"))
    assert LEXICON.topics() and set(LEXICON.topics()) <= set(info["topics"])
    # The words that say what a danger is about are not danger words themselves.
    assert not any(LEXICON.is_danger(word) for word in ("shadi", "organs", "بچے", "marriage"))
