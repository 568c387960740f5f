"""SMS packing (bot/wording/packing.py): fewer segments, and every safety rule still holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.config import ROOT
from bot.wording.packing import pack_for_sms
from bot.wording.preview import load_trigger_words, trigger_in_preview
from bot.wording.render import Reply, plain
from bot.wording.segments import MAX_SEGMENTS, sms_shape
from tests.auxil.fuzz import FUZZ

TRIGGERS = load_trigger_words(ROOT / "content")
QUESTION = "Is it safe to text now? Someone may see this phone.\n1 Yes, it is safe\n2 Later\n0 Skip"


def menu(text: str) -> Reply:
    shape = sms_shape(text)
    return Reply(text, ["1 Yes"], {"1": "/affirm"}, shape.segments, shape.encoding)


def test_a_statement_travels_with_the_question_after_it() -> None:
    [packed] = pack_for_sms([plain("OK, I will write in English."), menu(QUESTION)])
    assert packed.text == "OK, I will write in English.\n" + QUESTION
    assert packed.segments == 1 and packed.menu == {"1": "/affirm"}


def test_two_questions_never_share_a_message() -> None:
    """Rule 9: a reply with a menu, or one that asks, ends its message."""
    asked = plain("Do you want one of our support workers to reply?")
    assert len(pack_for_sms([menu("Which language?\n1 English"), menu(QUESTION)])) == 2
    assert len(pack_for_sms([asked, menu(QUESTION)])) == 2
    assert len(pack_for_sms([plain("کیا آپ محفوظ ہیں؟"), menu(QUESTION)])) == 2
    rhetorical = plain("In danger? Call 15 (police) or 1122 (ambulance).")
    assert len(pack_for_sms([rhetorical, menu(QUESTION)])) == 2  # a "1" answers one question


def test_nothing_is_packed_that_would_not_save_a_segment() -> None:
    long = plain("x" * 150)  # 150 + 1 + the question: two segments, as apart
    assert len(pack_for_sms([long, menu(QUESTION)])) == 2


def test_what_a_locked_phone_shows_was_shown_before() -> None:
    """Rule 12: the packed preview is the first message's start, then the second's start,
    each of which a locked phone showed before; the second's later words move later."""
    first, second = plain("OK."), plain("y" * 88 + " trafficking is a crime.")
    [packed] = pack_for_sms([first, second])
    assert trigger_in_preview(second.text, TRIGGERS) is None
    assert trigger_in_preview(packed.text, TRIGGERS) is None


# -- properties over any turn ---------------------------------------------------------------

_WORDS = st.sampled_from(
    ["OK.", "Thanks.", "Call 15 or 1122.", "trafficking", "bonded", "FIA", "madad", "?",
     "مدد", "اسمگلنگ", "ہاں", "؟", "\n", "x" * 40, "Services near Lahore:", "(24/7)"]
)  # fmt: skip
_TEXT = st.lists(_WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def _replies(draw: st.DrawFn) -> list[Reply]:
    replies = []
    for text in draw(st.lists(_TEXT, min_size=1, max_size=6)):
        reply = menu(text) if draw(st.booleans()) else plain(text)
        if reply.segments <= MAX_SEGMENTS:  # what render() hands over
            replies.append(reply)
    return replies


def _asks(reply: Reply) -> bool:
    return bool(reply.menu) or "?" in reply.text or "؟" in reply.text


@FUZZ
@given(_replies())
def test_packing_keeps_every_word_in_order_and_every_rule(replies: list[Reply]) -> None:
    packed = pack_for_sms(replies)
    # The same words in the same order: emergency numbers stay where they were (rule 17).
    assert "\n".join(r.text for r in packed) == "\n".join(r.text for r in replies)
    # Never more segments in all, never a message over two (rule 8).
    assert sum(r.segments for r in packed) <= sum(r.segments for r in replies)
    assert all(r.segments <= MAX_SEGMENTS and r.segments == sms_shape(r.text).segments
               for r in packed)  # fmt: skip
    starts = iter(replies)
    for message in packed:
        parts = [next(starts)]
        while len("\n".join(p.text for p in parts)) < len(message.text):
            parts.append(next(starts))
        # At most one question per message, and its menu is the one the person answers.
        assert not any(_asks(p) for p in parts[:-1])
        assert message.menu == parts[-1].menu
        # Rule 12: a lock screen shows no trigger word that none of the parts showed.
        if trigger_in_preview(message.text, TRIGGERS):
            assert any(trigger_in_preview(p.text, TRIGGERS) for p in parts)
