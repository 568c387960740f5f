"""Fewer SMS for the same words: a statement travels with the message that follows it.

SMS is paid per segment, by the deploying organisation and sometimes by the survivor, and
"OK, I will write in English." then a question cost two segments where one carries both.
A turn's replies are packed here when, and only when, every safety rule still holds:

- only a statement joins what follows: a reply with a menu, or with a question mark
  anywhere, ends its message, so no message carries two questions (SAFETY.md rule 9);
- the packed message needs fewer segments than the two apart, and never more than two
  (rule 8);
- the words keep their order, so emergency numbers stay in the very next message
  (rule 17), and what a locked phone shows of the packed message (its first 90
  characters, rule 12) is the first message's start, then the second's start: nothing
  that was not already on the lock screen.

Telegram messages are not packed: they cost nothing, and each keeps its own buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.wording.render import Reply
from bot.wording.segments import MAX_SEGMENTS, sms_shape

_QUESTION_MARKS = ("?", "؟")


def pack_for_sms(replies: Sequence[Reply]) -> list[Reply]:
    """The same words in as few SMS as the rules allow (the module's docstring says which)."""
    packed: list[Reply] = []
    for reply in replies:
        joined = _joined(packed[-1], reply) if packed and _is_statement(packed[-1]) else None
        if joined is not None:
            packed[-1] = joined
        else:
            packed.append(reply)
    return packed


def _is_statement(reply: Reply) -> bool:
    """No menu to answer and no question asked anywhere in it: "In danger? Call 15" packed
    before "Is it safe to text now? 1 Yes" would put two questions before the "1"."""
    return not reply.menu and not any(mark in reply.text for mark in _QUESTION_MARKS)


def _joined(first: Reply, second: Reply) -> Reply | None:
    text = f"{first.text}\n{second.text}"
    shape = sms_shape(text)
    if shape.segments > MAX_SEGMENTS or shape.segments >= first.segments + second.segments:
        return None
    return Reply(text, second.options, second.menu, shape.segments, shape.encoding)
