"""The messages that did harm on the landed main (issue 13), on the real engine, in all
three languages and on both channels; and a generated walk with the real model's NLU."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from bot.channels.base import SIMULATED_PREFIX
from bot.ops.stack import Stack
from bot.privacy.identity import pseudonym
from bot.store import Contact, Database, Ticket
from tests.auxil.fuzz import FUZZ
from tests.auxil.survivor import Survivor, text_of
from tests.redteam.conversation import LANGUAGES, corpus

pytestmark = pytest.mark.e2e

CHANNELS = ["sms", "telegram"]
EVERY_LANGUAGE_AND_CHANNEL = pytest.mark.parametrize(
    ("language", "channel"), [(lang, channel) for lang in LANGUAGES for channel in CHANNELS]
)
CONNECT_ME = {"en": "connect me", "ur": "ملاؤ", "ur_Latn": "milao"}
GET_ME_OUT = {"en": "get me out", "ur": "نکالو", "ur_Latn": "nikalo"}
LOCKED_IN = {
    "en": "help me the owner has locked me in",
    "ur": "مجھے بچاؤ مالک نے بند کر رکھا ہے",
    "ur_Latn": "mujhe bachao malik ne band kar rakha hai",
}


def _pid(stack: Stack, survivor: Survivor) -> str:
    return pseudonym(
        stack.settings.pseudonym_key, survivor.channel, SIMULATED_PREFIX + survivor.address
    )


def _contact(stack: Stack, survivor: Survivor) -> Contact | None:
    db = Database(stack.settings.database_url)
    try:
        with db.session() as session:
            return session.get(Contact, _pid(stack, survivor))
    finally:
        db.engine.dispose()


def _open_tickets(stack: Stack, survivor: Survivor) -> list[Ticket]:
    db = Database(stack.settings.database_url)
    try:
        with db.session() as session:
            found = session.scalars(select(Ticket).where(Ticket.pseudonym == _pid(stack, survivor)))
            return [t for t in found if t.closed_at is None]
    finally:
        db.engine.dispose()


def _tracker(stack: Stack, survivor: Survivor) -> str:
    engine = create_engine(stack.settings.tracker_db_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s"), {"s": _pid(stack, survivor)}
            ).all()
    finally:
        engine.dispose()
    return "\n".join(row[0] or "" for row in rows)


def _onboarded(gateway: httpx.Client, language: str, channel: str) -> Survivor:
    survivor = Survivor(gateway, channel=channel)
    survivor.onboard(language)
    return survivor


@EVERY_LANGUAGE_AND_CHANNEL
def test_connect_me_erases_nothing(
    stack: Stack, gateway: httpx.Client, language: str, channel: str
) -> None:
    survivor = _onboarded(gateway, language, channel)
    survivor.says(CONNECT_ME[language])
    assert _contact(stack, survivor) is not None


@EVERY_LANGUAGE_AND_CHANNEL
def test_get_me_out_is_an_emergency_not_an_exit(
    stack: Stack, gateway: httpx.Client, language: str, channel: str
) -> None:
    survivor = _onboarded(gateway, language, channel)
    replies = text_of(survivor.says(GET_ME_OUT[language]))
    assert "15" in replies and "1122" in replies
    assert _tracker(stack, survivor) != ""  # the conversation was not forgotten


@EVERY_LANGUAGE_AND_CHANNEL
def test_a_yes_to_a_person_at_first_contact_opens_an_urgent_ticket(
    stack: Stack, gateway: httpx.Client, language: str, channel: str
) -> None:
    survivor = Survivor(gateway, channel=channel)
    first = text_of(survivor.says(LOCKED_IN[language]))
    assert "15" in first and "1122" in first
    survivor.says("1")
    [ticket] = _open_tickets(stack, survivor)
    assert ticket.urgent


@EVERY_LANGUAGE_AND_CHANNEL
def test_a_no_to_keeping_keeps_no_words_yet_services_still_come(
    stack: Stack, gateway: httpx.Client, language: str, channel: str
) -> None:
    survivor = Survivor(gateway, channel=channel)
    survivor.says({"en": "hi", "ur": "السلام علیکم", "ur_Latn": "salam"}[language])
    survivor.says("1")  # safe to talk
    survivor.says("2")  # no to keeping
    contact = _contact(stack, survivor)
    assert contact is not None and contact.consent is False
    request = {"en": "I need a lawyer in Multan", "ur": "مجھے ملتان میں وکیل چاہیے",
               "ur_Latn": "mujhe multan mein wakeel chahiye"}[language]  # fmt: skip
    replies = [survivor.says(message) for message in (request, "0", "0")]
    assert any(": 1122" in text_of(r) for r in replies)  # services reached all the same
    tracker = _tracker(stack, survivor)
    assert tracker  # the dialogue's state is kept, the words are not
    for form in (json.dumps(request), json.dumps(request, ensure_ascii=False)):
        assert form not in tracker


@pytest.mark.parametrize("channel", CHANNELS)
def test_delete_asks_and_zero_keeps_everything(
    stack: Stack, gateway: httpx.Client, channel: str
) -> None:
    survivor = _onboarded(gateway, "ur_Latn", channel)
    asked = survivor.says("mitao")
    assert asked[-1]["options"][-1].startswith("0 ")
    survivor.says("0")
    assert _contact(stack, survivor) is not None
    survivor.says("mitao")
    survivor.says("1")
    assert _contact(stack, survivor) is None


_MESSAGES = st.sampled_from(LANGUAGES).flatmap(
    lambda lang: st.tuples(
        st.just(lang),
        st.lists(
            st.sampled_from(
                corpus("yes", lang) + corpus("no", lang) + corpus("skip", lang)
                + corpus("ordinary", lang) + corpus("near_keywords", lang)
                + corpus("non_text_like", lang) + ["1", "2", "0"]
            ),
            min_size=1,
            max_size=4,
        ),
        st.sampled_from(corpus("danger", lang)),
        st.sampled_from(CHANNELS),
    )
)  # fmt: skip


@settings(FUZZ, max_examples=8)
@given(walk=_MESSAGES)
def test_real_model_walks_never_erase_and_danger_always_gets_the_numbers(
    stack: Stack, gateway: httpx.Client, walk: tuple[str, list[str], str, str]
) -> None:
    """With the trained model reading every message: what people send never erases,
    silences or ends the conversation; a danger phrase after it gets 15 and 1122."""
    language, messages, danger, channel = walk
    survivor = _onboarded(gateway, language, channel)
    for message in messages:
        survivor.says(message)
        contact = _contact(stack, survivor)
        assert contact is not None and not contact.opted_out, (message, survivor.transcript)
    replies = text_of(survivor.says(danger))
    assert "15" in replies and "1122" in replies, (danger, replies)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "i want to die"), ("ur", "میں خودکشی کر لوں گی"), ("ur_Latn", "khudkushi kar lungi")],
)
def test_suicidal_words_get_the_numbers_a_mental_health_line_and_a_person(
    gateway: httpx.Client, language: str, words: str
) -> None:
    """SAFETY.md rule 17: suicide and self-harm too, with someone to talk to now."""
    survivor = _onboarded(gateway, language, "sms")
    replies = survivor.says(words)
    joined = text_of(replies)
    assert "15" in joined and "1122" in joined and "0311-7786264" in joined
    assert replies[-1]["options"][0].startswith("1 ")  # the offer of a person
