"""What first contact costs in SMS segments, on the real gateway and actions (issue 19).

SMS is paid per segment by the deploying organisation, and sometimes by the survivor. The
introduction names the words that switch language instead of a language menu (an
exchange of SMS, and one Urdu letter in the menu made the whole menu UCS-2), and a
statement travels with the question after it (bot/wording/packing.py). These budgets fail
when a change of wording or flow makes first contact dearer again; `make bench` reports
the cost of whole conversations on the real model (docs/benchmarks.md).
"""

from __future__ import annotations

import re

import pytest

from bot.config import ROOT
from bot.conversation.keywords import Keyword, read_keyword_words
from bot.wording.render import Channel, Reply
from tests.redteam.conversation import LANGUAGES, Person, Stack

GREETING = {"en": "hello", "ur": "السلام علیکم", "ur_Latn": "salam"}
# Segments of the replies to the greeting, and of the whole onboarding (greeting, "1" safe
# to talk, "1" keep my messages). Measured on 2026-12-01: 2, 4, 2 and 5, 10, 5 (before the
# cuts: 4, 4, 4 and 11, 14, 12). In Urdu script the consent question is two segments of its
# own: shorter, it no longer said that after a no nothing written is kept.
FIRST_CONTACT = {"en": 2, "ur": 4, "ur_Latn": 2}
ONBOARDING = {"en": 5, "ur": 10, "ur_Latn": 5}


def segments(replies: list[Reply]) -> int:
    return sum(reply.segments for reply in replies)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_first_contact_and_onboarding_stay_within_their_sms_budget(
    stack: Stack, language: str
) -> None:
    person = Person(stack, Channel.SMS, "+923001234567")
    first = await person.says(GREETING[language])
    assert segments(first) <= FIRST_CONTACT[language], [r.text for r in first]
    text = "\n".join(r.text for r in first)
    assert "15" in text and "1122" in text  # rule 1, still in the first reply
    rest = [await person.says("1"), await person.says("1")]
    assert segments(first) + sum(map(segments, rest)) <= ONBOARDING[language]
    assert person.contact().consent is True  # the "1"s reached the questions they answer


def _words_for(language: str) -> list[str]:
    spellings = read_keyword_words(ROOT / "content" / "keywords.yml")
    return [
        i.word for i in spellings if i.keyword is Keyword.CHOOSE_LANGUAGE and i.value == language
    ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_introduction_names_a_word_that_switches_to_each_other_language(
    stack: Stack, language: str
) -> None:
    """Rule 16: the person picks their language at the start, from the first reply."""
    for number, other in enumerate(sorted(set(LANGUAGES) - {language})):
        person = Person(stack, Channel.SMS, f"+9230012345{number:02d}")
        first = "\n".join(r.text for r in await person.says(GREETING[language])).lower()
        named = [
            word for word in _words_for(other)
            if re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", first)
        ]  # fmt: skip
        assert named, (other, first)
        switched = await person.says(named[0])
        contact = person.contact()
        assert contact is not None and contact.language == other
        assert switched[-1].menu  # the safety question again, now in their language
