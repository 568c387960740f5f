"""Typed text never reaches the engine in Rasa's "/intent" syntax (review F16)."""

from __future__ import annotations

import unicodedata

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ROOT
from bot.conversation.said import Said, as_typed_text

INTENTS = yaml.safe_load((ROOT / "dialogues" / "domain" / "intents.yml").read_text())["intents"]

# What a person (or a script) can put before an intent name: slashes, ASCII and Unicode
# spaces, line breaks, and marks that show nothing (zero-width, joiners, bidi controls).
_BEFORE = (
    "/ \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
before = st.text(st.sampled_from(_BEFORE), max_size=12)
entities = st.sampled_from(["", '{"language": "ur"}', '{"location": "Lahore"}', "@0.99"])


def engine_reads(sent: str) -> str:
    """What Rasa parses: `UserMessage` and `unpack_regex_message` both `.strip()` first."""
    return sent.strip()


def first_visible(text: str) -> str:
    shown = [c for c in text if not (c.isspace() or unicodedata.category(c) == "Cf")]
    return shown[0] if shown else ""


@settings(max_examples=500, deadline=None, database=None)
@given(
    head=before, intent=st.sampled_from(INTENTS), middle=before, tail=entities, slash=st.booleans()
)
def test_no_mix_of_slashes_and_spaces_makes_typed_text_an_intent(
    head: str, intent: str, middle: str, tail: str, slash: bool
) -> None:
    raw = head + ("/" if slash else "") + middle + intent + tail
    sent = as_typed_text(Said.of(raw).text)
    assert not engine_reads(sent).startswith("/"), repr(raw)
    assert first_visible(sent) != "/", repr(raw)  # nor after stripping anything invisible
    assert intent in sent  # the words themselves still go to NLU


def test_the_reviewers_example_and_nothing_but_slashes() -> None:
    assert as_typed_text(Said.of("/ /request_human").text) == "request_human"
    assert as_typed_text(Said.of("/\u200b/ \u3000/request_human").text) == "request_human"
    assert as_typed_text(Said.of("/ / /").text) == "?"
    assert as_typed_text("a/b") == "a/b"  # only the start is touched
