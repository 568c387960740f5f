"""Every state of the conversation against every kind of message, generated, not hand-picked.

Each example puts a new person (SMS or Telegram, English, Urdu or Roman Urdu) into one of
the conversation's states by the way people really get there, sends one message of any
kind people send (yes, no, skip, a digit, a keyword, a danger phrase, an ordinary
message, a near-miss of a keyword, another language, emoji, silence), and checks the
SAFETY.md rules that can be stated as properties. Messages come from the held-out corpus
in `corpus.yml`, written in survivors' registers without seeing the training data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ROOT
from bot.store import TicketStatus
from bot.wording.preview import load_trigger_words, trigger_in_preview
from bot.wording.render import Channel, Reply
from bot.wording.segments import MAX_SEGMENTS
from tests.auxil.fuzz import EXAMPLES, FUZZ
from tests.redteam.conversation import (
    ASK_DELETE,
    ASK_PERSON,
    ASK_PRIVACY,
    ASK_SERVICE,
    LANGUAGES,
    Person,
    Stack,
    corpus,
    keyword_spellings,
    later,
)

pytestmark = pytest.mark.fuzz
# Each example is a whole conversation: a tenth of the endpoint fuzzers' count.
WALKS = settings(FUZZ, max_examples=max(EXAMPLES // 10, 20))
TRIGGERS = load_trigger_words(ROOT / "content")
GREETING = {"en": "hi", "ur": "السلام علیکم", "ur_Latn": "salam"}
KEYWORDS = keyword_spellings()
DANGER = {lang: corpus("danger", lang) for lang in LANGUAGES}
# Replies that end or silence a conversation: only an exact keyword may bring them.
_ENDINGS = ("exit.done", "optout.done", "delete.done")

Step = Callable[[Person, str], Awaitable[object]]


def _say(*messages: str | dict[str, str]) -> Step:
    async def walk(person: Person, language: str) -> None:
        for message in messages:
            await person.says(message[language] if isinstance(message, dict) else message)

    return walk


def _danger_first(*after: str | dict[str, str]) -> Step:
    async def walk(person: Person, language: str) -> None:
        await person.says(DANGER[language][0])
        await _say(*after)(person, language)

    return walk


_ONBOARDED = (GREETING, "1", "1")
# A word the introduction names, switching to another language mid-question.
_SWITCH = {"en": "urdu", "ur": "english", "ur_Latn": "english"}
# Danger words that name an information topic: the offer of a person adds it as choice 3.
_FORCED_MARRIAGE = {
    "en": "they are forcing me to marry",
    "ur": "زبردستی شادی کروا رہے ہیں",
    "ur_Latn": "zabardasti shadi kar rahe hain",
}
# The states of the conversation, reached as people reach them.
STATES: dict[str, Step] = {
    "new": _say(),
    "asked if safe": _say(GREETING),
    "asked language": _say(GREETING, "language"),  # the menu, at first contact
    "switched language": _say(GREETING, _SWITCH),
    "asked consent": _say(GREETING, "1"),
    "said later": _say(GREETING, "2"),
    "main menu": _say(*_ONBOARDED),
    "declined keeping": _say(GREETING, "1", "2"),
    "emergency at first contact": _danger_first(),
    "emergency during onboarding": _say(GREETING, "1", "{danger}"),
    "emergency after onboarding": _say(*_ONBOARDED, "{danger}"),
    "asked to confirm a person": _say(*_ONBOARDED, ASK_PERSON),
    "asked woman worker": _say(*_ONBOARDED, ASK_PERSON, "1"),
    "ticket open": _say(*_ONBOARDED, ASK_PERSON, "1", "1"),
    "urgent ticket from first contact": _danger_first("1"),
    "asked to confirm erasure": _say(*_ONBOARDED, "DELETE"),
    "asked to confirm erasure by intent": _say(*_ONBOARDED, ASK_DELETE),
    "asked consent again": _say(*_ONBOARDED, ASK_PRIVACY),
    "asked kind of help": _say(*_ONBOARDED, ASK_SERVICE),
    "asked for whom": _say(*_ONBOARDED, ASK_SERVICE, "1"),  # a safe place: for whom?
    "asked district": _say(*_ONBOARDED, ASK_SERVICE, "2"),
    "emergency naming a topic": _say(*_ONBOARDED, _FORCED_MARRIAGE),
    "after exit": _say(*_ONBOARDED, "EXIT"),
    "after exit with a ticket": _say(*_ONBOARDED, ASK_PERSON, "1", "1", "EXIT"),
    "after stop": _say(*_ONBOARDED, "STOP"),
}


def _probe_kinds(language: str) -> dict[str, list[str]]:
    exact = [w for words in KEYWORDS.values() for w in words]
    return {
        "yes": corpus("yes", language),
        "no": corpus("no", language),
        "skip": corpus("skip", language),
        "digit": [str(d) for d in range(10)] + ["۱", "۲", "٠"],
        "keyword": exact,
        "danger": DANGER[language],
        "ordinary": corpus("ordinary", language),
        "near keyword": corpus("near_keywords", language),
        "other language": corpus("other_language", language),
        "odd": [*corpus("non_text_like", language), "", " ", "🙏", "?"],
        "request": [ASK_SERVICE[language], ASK_PERSON[language], ASK_PRIVACY[language]],
    }


@dataclass(frozen=True)
class Scenario:
    language: str
    channel: Channel
    state: str
    kind: str  # of the message
    message: str
    danger: str  # a danger phrase in the person's language
    yes: str  # a yes in the person's language


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    language = draw(st.sampled_from(LANGUAGES))
    kinds = _probe_kinds(language)
    kind = draw(st.sampled_from(sorted(kinds)))
    return Scenario(
        language=language,
        channel=draw(st.sampled_from(list(Channel))),
        state=draw(st.sampled_from(sorted(STATES))),
        kind=kind,
        message=draw(st.sampled_from(kinds[kind])),
        danger=draw(st.sampled_from(DANGER[language])),
        yes=draw(st.sampled_from(["1", *corpus("yes", language)])),
    )


_people = iter(range(10**6))


def _person(stack: Stack, channel: Channel) -> Person:
    number = next(_people)
    address = f"+92300{number:07d}" if channel is Channel.SMS else str(880000000 + number)
    return Person(stack, channel, address)


def _run(stack: Stack, language: str, channel: Channel, state: str, *messages: str) -> Person:
    """The person is put in the state, then sends the messages."""

    async def go() -> Person:
        person = _person(stack, channel)
        await _enter(person, language, state)
        for message in messages:
            await person.says(message)
        return person

    return asyncio.run(go())


async def _enter(person: Person, language: str, state: str) -> None:
    walk = STATES[state]
    # "{danger}" in a walk stands for a danger phrase in the person's language.
    original = person.says

    async def says(message: str) -> list[Reply]:
        return await original(DANGER[language][1] if message == "{danger}" else message)

    person.says = says  # type: ignore[method-assign]
    try:
        await walk(person, language)
    finally:
        person.says = original  # type: ignore[method-assign]


def _texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def _said(stack: Stack, language: str, key: str) -> str:
    return stack.conversations.catalogs.render(language, key)


def _run_scenario(stack: Stack, case: Scenario, *messages: str) -> Person:
    return _run(stack, case.language, case.channel, case.state, *(messages or (case.message,)))


@WALKS
@given(case=scenarios())
def test_only_an_exact_keyword_ends_silences_or_erases(stack: Stack, case: Scenario) -> None:
    """Rules 10, 11, 21: EXIT, STOP and DELETE on an exact word only; erasure only after
    the "1" that confirms it."""
    person = _run_scenario(stack, case)
    if case.kind == "keyword" or (case.kind == "digit" and "erasure" in case.state):
        return  # the exact words, and the confirming digit, are meant to act
    contact = person.contact()
    assert contact is not None, f"{case.message!r} erased the person in {case.state!r}"
    assert contact.opted_out == (case.state == "after stop"), case
    last = _texts(person.replies[-1])
    endings = {_said(stack, contact.language, key) for key in _ENDINGS}
    assert not (last and last in endings), f"{case.message!r} ended it in {case.state!r}"


@WALKS
@given(case=scenarios())
def test_any_danger_phrase_gets_the_numbers_in_the_very_next_reply(
    stack: Stack, case: Scenario
) -> None:
    """Rule 17, with the model missing the phrase: the gateway's lexicon must catch it."""
    person = _run_scenario(stack, case, case.danger)
    replies = _texts(person.replies[-1])
    assert "15" in replies and "1122" in replies, (case, replies)  # after STOP too


@WALKS
@given(case=scenarios())
def test_a_yes_to_a_person_after_danger_always_opens_the_handoff(
    stack: Stack, case: Scenario
) -> None:
    """Rule 17: from whatever step the conversation was at."""
    if case.state == "after stop":
        return  # nothing is answered until START
    person = _run_scenario(stack, case, case.danger, case.yes)
    tickets = person.tickets()
    assert any(t.status != TicketStatus.CLOSED for t in tickets), (case, person.replies)


@WALKS
@given(case=scenarios())
def test_nothing_is_sent_unprompted_and_no_trigger_word_is_in_a_preview(
    stack: Stack, case: Scenario
) -> None:
    """Rules 2, 8 and 12: two days of silence bring no message; every reply's first 90
    characters are neutral, and an SMS reply fits two segments."""
    person = _run_scenario(stack, case)
    asyncio.run(later(stack))
    assert person.unprompted() == []
    for replies in person.replies:
        for reply in replies:
            assert trigger_in_preview(reply.text, TRIGGERS) is None, reply.text
            if case.channel is Channel.SMS:
                assert reply.segments <= MAX_SEGMENTS, reply.text


@WALKS
@given(case=scenarios())
def test_without_a_yes_to_keeping_nothing_written_is_kept(stack: Stack, case: Scenario) -> None:
    """Rule 5: before the notice, and after a no, no store holds what the person wrote
    (a ticket they said yes to excepted: its worker reads it)."""
    person = _run_scenario(stack, case)
    contact = person.contact()
    if contact is None or contact.consent is True:
        return
    kept = stack.engine.written(person.pid)
    for written in person.said:
        if written.strip().isdigit():
            continue  # a menu choice: the gateway sends the option's payload, not the digit
        assert not any(written.strip() in value for value in kept if len(written.strip()) > 2), (
            f"{written!r} kept in the tracker ({case.state!r}): {kept}"
        )
    assert person.pending() == 0


@WALKS
@given(case=scenarios())
def test_every_message_gets_an_answer_unless_the_person_opted_out(
    stack: Stack, case: Scenario
) -> None:
    """Never a dead end: a reply to every message in every state; after STOP, nothing
    but the answer to START (carrier rules)."""
    person = _run_scenario(stack, case)
    answered_after_stop = case.kind == "danger" or (
        case.kind == "keyword" and case.message in KEYWORDS["start"] + KEYWORDS["help"]
    )
    if case.state == "after stop" and not answered_after_stop:
        assert person.replies[-1] == [], case
    elif not person.replies[-1]:
        # With a worker on the ticket, the answer is theirs: the message must reach them.
        assert person.reached_worker(case.message), case


# The words that ended or erased conversations on the landed main, and their kin: distress
# pleas, ordinary words one typo from a keyword, and a keyword's near misses.
HAZARDS = [
    "milao", "ملاؤ", "mila do", "nikalo", "نکالو", "nikal", "nikah", "نکاح", "bahar", "باہر",
    "bahan", "bazar", "edit", "get me out", "bachao", "مجھے بچاؤ", "band karo", "بند کرو",
    "exitt", "delet", "mitaoo", "stopp", "quite", "ends", "cancer",
]  # fmt: skip


HAZARD_STATES = ["new", "asked if safe", "asked consent", "main menu", "ticket open",
                 "asked to confirm erasure"]  # fmt: skip


def test_no_hazard_word_ends_silences_or_erases_in_any_state(stack: Stack) -> None:
    """Every hazard word in each state where a word is read differently (a first message,
    onboarding, a menu, a worker's ticket, an erasure question): all of them, every run."""
    harmed = []
    for state in HAZARD_STATES:
        for number, word in enumerate(HAZARDS):
            channel = list(Channel)[number % 2]
            language = "ur" if any("\u0600" <= ch <= "\u06ff" for ch in word) else "ur_Latn"
            person = _run(stack, language, channel, state, word)
            contact = person.contact()
            ended = contact is None or contact.opted_out
            if not ended:
                endings = {_said(stack, contact.language, key) for key in _ENDINGS}  # type: ignore[union-attr]
                ended = _texts(person.replies[-1]) in endings
            if ended:
                harmed.append((state, word))
    assert harmed == []
