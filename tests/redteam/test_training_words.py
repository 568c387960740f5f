"""Every word and two-word phrase of the NLU training data, sent alone (SAFETY.md rule 10).

People send single words all the time ("nikalo", "bahar", "milao"). None of the ~10,000
words and pairs the model learnt from may end or silence a conversation; erasure always
asks first. The only exceptions are the opt-out words SMS carriers require (rule 21),
which `content/keywords.yml` marks `carrier: true`, and they act on the bare word alone.
"""

from __future__ import annotations

from bot.config import ROOT
from bot.conversation.keywords import Keyword, KeywordMatcher, fold, read_keyword_words
from bot.editing.training_data import training_phrases

KEYWORDS = ROOT / "content" / "keywords.yml"
CARRIER_WORDS = {fold(w.word) for w in read_keyword_words(KEYWORDS) if w.carrier}


def test_no_training_word_or_pair_sent_alone_ends_or_silences_a_conversation() -> None:
    matcher = KeywordMatcher.from_file(KEYWORDS)
    phrases = training_phrases()
    assert len(phrases) > 5000  # the whole training data, not a sample
    acting = {
        phrase: match.keyword
        for phrase in phrases
        if (match := matcher.match(phrase)) is not None
        and match.keyword in (Keyword.EXIT, Keyword.STOP)
        and phrase not in CARRIER_WORDS
    }
    assert acting == {}


def test_delete_words_in_the_training_data_belong_to_delete_data_and_only_ask() -> None:
    """A DELETE word is only ever a word of the delete_data examples, and the keyword asks
    "1 to erase, 0 to keep" before anything goes (tests/conversation/test_service.py)."""
    matcher = KeywordMatcher.from_file(KEYWORDS)
    for phrase, intents in training_phrases().items():
        match = matcher.match(phrase)
        if match is not None and match.keyword is Keyword.DELETE:
            assert intents == {"delete_data"}, (phrase, intents)
