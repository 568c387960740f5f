"""Red team of first contact without a language menu (issue 19, commit b2e43e6 and after).

The conversation now starts in the language guessed from the first message, the first
reply names the words that switch language, and on SMS a statement travels with the
question after it. Each test walks the real gateway and the real actions (the stand-in NLU
of `tests/redteam/conversation.py`) the way a survivor would. Tests marked xfail expose a
defect found on 2026-12-01; their reason names it. The others hold, and stay as guards.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ROOT, Settings
from bot.store import TicketStatus
from bot.wording.catalogs import Catalogs
from bot.wording.languages import has_urdu_script
from bot.wording.preview import load_trigger_words, organisation_problems, trigger_in_preview
from bot.wording.render import Channel, Reply
from bot.wording.segments import MAX_SEGMENTS, sms_shape
from tests.auxil.fuzz import EXAMPLES, FUZZ
from tests.redteam.conversation import LANGUAGES, Person, Stack, corpus

TRIGGERS = load_trigger_words(ROOT / "content")
GREETING = {"en": "hello", "ur": "السلام علیکم", "ur_Latn": "salam"}
# The words each language's first reply names to switch to the other two.
SWITCH_WORDS = {"en": ("URDU", "ROMAN"), "ur": ("انگریزی", "رومن اردو"),
                "ur_Latn": ("ENGLISH", "URDU")}  # fmt: skip
SWITCHED_TO = {"URDU": "ur", "ROMAN": "ur_Latn", "ENGLISH": "en", "انگریزی": "en",
               "رومن اردو": "ur_Latn"}  # fmt: skip
DANGER = {language: corpus("danger", language) for language in LANGUAGES}
_addresses = itertools.count()


def _person(stack: Stack, channel: Channel = Channel.SMS) -> Person:
    number = next(_addresses)
    address = f"+92301{number:07d}" if channel is Channel.SMS else str(770000000 + number)
    return Person(stack, channel, address)


def _text(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def _open_tickets(person: Person) -> list[object]:
    return [t for t in person.tickets() if t.status != TicketStatus.CLOSED]


# -- 1. the guess is made once, from a first message that may say nothing -----------------

URDU_SCRIPT_REQUEST = "السلام علیکم مجھے مدد چاہیے"
ROMAN_URDU_REQUEST = "assalam o alaikum mujhe kaam ke baare mein maloomat chahiye"


@pytest.mark.parametrize("first", ["🙏", "?", "", "15", "..."])
async def test_urdu_script_after_a_wordless_first_message_is_answered_in_urdu(
    stack: Stack, first: str
) -> None:
    person = _person(stack)
    await person.says(first)
    replies = await person.says(URDU_SCRIPT_REQUEST)
    contact = person.contact()
    assert contact is not None and contact.language == "ur", _text(replies)
    assert has_urdu_script(_text(replies))


async def test_urdu_script_after_a_voice_note_is_answered_in_urdu(stack: Stack) -> None:
    person = _person(stack, Channel.TELEGRAM)
    await person.says(None)  # type: ignore[arg-type]  # a voice note: Inbound.text is None
    replies = await person.says(URDU_SCRIPT_REQUEST)
    contact = person.contact()
    assert contact is not None and contact.language == "ur", _text(replies)


async def test_a_clear_roman_urdu_message_after_hi_is_answered_in_roman_urdu(
    stack: Stack,
) -> None:
    person = _person(stack)
    await person.says("hi")
    replies = await person.says(ROMAN_URDU_REQUEST)
    contact = person.contact()
    assert contact is not None and contact.language == "ur_Latn", _text(replies)


@pytest.mark.xfail(
    strict=True,
    reason="defect (rule 1; older than today's change): a voice note, photo or location as "
    "the very first message gets 'I can only read written messages...', which says neither "
    "that a computer answers, who runs the service, nor that it is not the police",
)
async def test_a_voice_note_as_first_message_gets_the_introduction(
    stack: Stack, catalogs: Catalogs
) -> None:
    person = _person(stack, Channel.TELEGRAM)
    replies = await person.says(None)  # type: ignore[arg-type]
    intro = catalogs.render("en", "welcome.intro")
    assert intro in _text(replies)


# -- 2. a switch word while a person is being offered in danger ----------------------------

_SWITCH_AFTER_DANGER = {"en": "urdu", "ur": "english", "ur_Latn": "urdu"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("when", ["first contact", "after onboarding"])
async def test_a_language_word_after_danger_keeps_the_offer_of_a_person(
    stack: Stack, language: str, when: str
) -> None:
    person = _person(stack)
    if when == "after onboarding":
        for message in (GREETING[language], "1", "1"):
            await person.says(message)
    await person.says(DANGER[language][0])
    switched = await person.says(_SWITCH_AFTER_DANGER[language])
    text = _text(switched)
    assert "15" in text and "1122" in text  # the numbers again, in the language chosen
    await person.says("1")
    assert _open_tickets(person), [_text(switched), _text(person.replies[-1])]


# -- 3. packing and rule 9 -----------------------------------------------------------------


def _questions(text: str) -> int:
    return len(re.findall(r"[?؟]", text))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_first_sms_asks_one_question(stack: Stack, language: str) -> None:
    person = _person(stack)
    for reply in await person.says(GREETING[language]):
        assert _questions(reply.text) <= 1, reply.text


# -- 4. switching from the first reply: what holds -----------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", ["safety", "consent"])
async def test_after_a_switch_word_a_digit_answers_the_question_on_screen(
    stack: Stack, language: str, question: str
) -> None:
    """Holds: the switch re-asks the pending onboarding question in the new language, and
    the remembered menu is that question's (packing keeps the last part's menu)."""
    for word in SWITCH_WORDS[language]:
        person = _person(stack)
        await person.says(GREETING[language])
        if question == "consent":
            await person.says("1")
        switched = await person.says(word)
        contact = person.contact()
        assert contact is not None and contact.language == SWITCHED_TO[word]
        assert switched[-1].menu == {"1": "/affirm", "2": "/deny", "0": "/skip"}
        await person.says("2")  # later / no
        contact = person.contact()
        assert contact is not None
        if question == "consent":
            assert contact.consent is False
        else:
            assert contact.consent is None and "15" in _text(person.replies[-1])


@pytest.mark.xfail(
    strict=True,
    reason="defect (rule 16, spelling variants): the switch words are exact-only at the "
    "gateway (choose_language is not among the typo-tolerant keywords), so 'urdo', "
    "'englsh' or 'romn' re-asks the safety question in the old language; only the model "
    "can save it, where before today a digit of the language menu did",
)
@pytest.mark.parametrize("typed", ["urdo", "englsh", "romn", "inglsh"])
async def test_a_misspelt_switch_word_still_switches(stack: Stack, typed: str) -> None:
    person = _person(stack)
    await person.says("hi")
    await person.says(typed)
    contact = person.contact()
    assert contact is not None and contact.language != "en"


async def test_a_switch_into_urdu_script_says_in_latin_letters_how_to_go_back(
    stack: Stack,
) -> None:
    person = _person(stack)
    await person.says("hi")
    switched = _text(await person.says("urdu"))
    assert re.search(r"\b(ROMAN|ENGLISH)\b", switched), switched


# -- 5. first contact against every kind of first message ----------------------------------


def _first_messages() -> list[tuple[str, str]]:
    found = []
    for language in LANGUAGES:
        for kind in ("yes", "no", "skip", "ordinary", "near_keywords", "other_language",
                     "non_text_like", "danger"):  # fmt: skip
            found += [(language, message) for message in corpus(kind, language)]
    return found


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 20))
@given(first=st.sampled_from(_first_messages()), channel=st.sampled_from(list(Channel)))
def test_any_first_message_gets_the_introduction_and_one_question(
    stack: Stack, catalogs: Catalogs, first: tuple[str, str], channel: Channel
) -> None:
    """Holds: whatever the first message (not a keyword), the first reply is the
    introduction (rule 1) in the guessed language, then one question with a menu (the
    safety question, or the offer of a person in danger); every SMS fits two segments
    and shows no trigger word on a locked phone (rules 8, 12)."""
    import asyncio

    _, message = first
    person = _person(stack, channel)
    replies = asyncio.run(person.says(message))
    contact = person.contact()
    assert contact is not None
    intro = catalogs.render(contact.language, "welcome.intro")
    assert _text(replies).startswith(intro), _text(replies)
    assert replies[-1].menu and all(not r.menu for r in replies[:-1])
    for reply in replies:
        assert trigger_in_preview(reply.text, TRIGGERS) is None, reply.text
        if channel is Channel.SMS:
            assert reply.segments <= MAX_SEGMENTS, reply.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", ["asked if safe", "asked consent", "main menu"])
async def test_after_danger_the_numbers_open_the_first_sms(
    stack: Stack, catalogs: Catalogs, language: str, state: str
) -> None:
    """Holds: packing keeps the emergency numbers at the start of the next SMS."""
    person = _person(stack)
    walk = {"asked if safe": [GREETING[language]], "asked consent": [GREETING[language], "1"],
            "main menu": [GREETING[language], "1", "1"]}[state]  # fmt: skip
    for message in walk:
        await person.says(message)
    replies = await person.says(DANGER[language][2])
    contact = person.contact()
    assert contact is not None
    numbers = catalogs.render(contact.language, "emergency.numbers")
    assert replies[0].text.startswith(numbers), replies[0].text


# -- 6. the shortened texts ----------------------------------------------------------------

_SAYS = {
    # consent.ask must say what a "no" does: nothing written is kept (rule 5)
    ("consent.ask", "en"): "keep nothing",
    ("consent.ask", "ur_Latn"): "nahi rakhenge",
    ("consent.ask", "ur"): "نہیں رکھ",
    # the notice must say whose team sees the messages (rule 5: who sees it)
    ("privacy.notice", "en"): "our team",
    ("privacy.notice", "ur_Latn"): "hamari team",
    ("privacy.notice", "ur"): "ہماری ٹیم",
    # the numbers' advice to move keeps its hedge: only if you can (as the source text)
    ("emergency.numbers", "en"): "if you can",
    ("emergency.numbers", "ur_Latn"): "mumkin ho",
    ("emergency.numbers", "ur"): "ممکن",
    # the consent question names what it keeps when read alone (Urdu SMS: the notice is a
    # separate SMS, and separate SMS may arrive in any order; Telegram: separate bubbles)
    ("consent.ask", "en "): "messages",
    ("consent.ask", "ur_Latn "): "message",
    ("consent.ask", "ur "): "میسج",
    # the safety question asks whether it is safe to write, not whether a message is safe
    ("safety.ask", "en"): "safe to text",
    ("safety.ask", "ur_Latn"): "likhna mehfooz",
    ("safety.ask", "ur"): "میسج کرنا",
}
_DEFECTS: dict[tuple[str, str], str] = {}  # each found on 2026-12-01, each fixed


@pytest.mark.parametrize(
    ("key", "language"),
    [
        pytest.param(key, language, marks=pytest.mark.xfail(strict=True, reason=_DEFECTS[key, language]))
        if (key, language) in _DEFECTS
        else (key, language)
        for key, language in _SAYS
    ],
)  # fmt: skip
def test_the_shortened_texts_still_say_what_safety_needs(
    catalogs: Catalogs, key: str, language: str
) -> None:
    text = catalogs.render(language.strip(), key, {"days": 30}).lower()
    assert _SAYS[key, language].lower() in text, text


# -- 7. the organisation's name in the first reply -----------------------------------------


_NAME_WORDS = st.sampled_from(
    ["Bonded", "Labour", "Liberation", "Front", "Rescue", "Relief", "Foundation", "Society",
     "for", "the", "Protection", "of", "Rights", "Child", "Sahil", "Trust", "Women", "FIA"]
)  # fmt: skip


@FUZZ
@given(st.lists(_NAME_WORDS, min_size=1, max_size=9).map(" ".join))
def test_any_accepted_organisation_name_keeps_the_introduction_safe(name: str) -> None:
    """Rules 8 and 12: production refuses a name that would put a trigger word on the lock
    screen or the first reply over two segments (bot/config.py, organisation_problems)."""
    settings = Settings(organisation_name=name, organisation_name_ur=name)
    if organisation_problems(settings):
        return
    catalogs = Catalogs(ROOT / "locales", constants={"organisation": {"*": name}})
    for language in LANGUAGES:
        intro = catalogs.render(language, "welcome.intro")
        assert trigger_in_preview(intro, TRIGGERS) is None, (language, intro)
        assert sms_shape(intro).segments <= MAX_SEGMENTS, (language, intro)


def test_the_named_organisations_that_were_accepted_are_refused() -> None:
    for name in ["Bonded Labour Liberation Front", "Rescue and Relief Foundation",
                 "Society for the Protection of the Rights of the Child"]:  # fmt: skip
        assert organisation_problems(Settings(organisation_name=name)), name


# -- 8. a voice note's "press 1" during first contact ----------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="defect (rule 14, issue 15): the answer to a voice note or photo says 'To reach "
    "a person from our team, press 1'; pressing 1 before onboarding is done brings the "
    "introduction, the safety or the consent question instead (the request is deferred "
    "behind onboarding), so someone who cannot read or write is never asked about a person",
)
@pytest.mark.parametrize("before", [(), ("hi",), ("hi", "1")])
async def test_press_1_after_a_voice_note_reaches_a_person_at_first_contact(
    stack: Stack, catalogs: Catalogs, before: tuple[str, ...]
) -> None:
    person = _person(stack, Channel.TELEGRAM)
    for message in before:
        await person.says(message)
    await person.says(None)  # type: ignore[arg-type]  # a voice note
    replies = await person.says("1")
    contact = person.contact()
    assert contact is not None
    asked = catalogs.render(contact.language, "handoff.ask_consent")
    assert asked in _text(replies) or _open_tickets(person), _text(replies)
