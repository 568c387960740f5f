"""The gateway's pipeline with the engine faked at its HTTP seam, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from bot.channels import Inbound
from bot.config import ROOT
from bot.conversation import service
from bot.conversation.service import Conversations
from bot.dialogue_engine import DialogueEngine
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault, pseudonym
from bot.store import Contact, Database
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage, Option
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.pipeline import pipeline
from tests.editing.conftest import edit

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PHONE = "+923001234567"


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def conversations(
    database: Database, trackers: TrackerStore, engine: FakeEngine, catalogs: Catalogs
) -> AsyncIterator[Conversations]:
    async with engine.client() as client:
        yield pipeline(database, trackers, catalogs, client, address_key=KEY).conversations


def sms(text: str) -> Inbound:
    return Inbound(Channel.SMS, PHONE, text)


async def test_sender_is_the_pseudonym_and_metadata_carries_language_and_channel(
    conversations: Conversations, engine: FakeEngine
) -> None:
    await conversations.handle(sms("mujhe madad chahiye"))
    sent = engine.received[0]
    assert sent["sender"] == pseudonym("secret", "sms", PHONE)
    assert PHONE not in str(sent)
    turn = sent["metadata"].pop("turn")  # a random id: nothing of the person in it
    assert len(turn) == 32 and int(turn, 16) >= 0
    assert sent["metadata"] == {"language": "ur_Latn", "channel": "sms"}


async def test_first_message_language_is_guessed_from_the_script(
    conversations: Conversations, engine: FakeEngine
) -> None:
    await conversations.handle(Inbound(Channel.TELEGRAM, "42", "مجھے مدد چاہیے"))
    assert engine.received[0]["metadata"]["language"] == "ur"


async def test_address_is_stored_encrypted(
    conversations: Conversations, database: Database
) -> None:
    await conversations.handle(sms("hello"))
    with database.session() as session:
        contact = session.scalars(select(Contact)).one()
    assert PHONE.encode() not in contact.address_sealed
    assert Vault(KEY).open(contact.address_sealed) == PHONE


async def test_menu_digits_are_sent_as_the_options_payload(
    conversations: Conversations, engine: FakeEngine
) -> None:
    engine.reply = lambda body: [
        BotMessage(
            "menu.main", options=(Option("option.yes", "/affirm"), Option("option.no", "/deny"))
        )
    ]
    replies = (await conversations.handle(sms("hi"))).replies
    assert replies[0].text.endswith("1 Yes\n2 No")
    await conversations.handle(sms("2"))
    assert engine.received[-1]["message"] == "/deny"


async def test_typed_slash_commands_never_reach_the_engine_as_intents(
    conversations: Conversations, engine: FakeEngine
) -> None:
    await conversations.handle(sms("/delete_data"))
    assert engine.received[-1]["message"] == "delete_data"
    # Rasa strips spaces after our slash is gone: slashes and spaces go together (F16).
    await conversations.handle(sms('/ /request_human{"x": 1}'))
    assert engine.received[-1]["message"] == 'request_human{"x": 1}'


async def test_language_directive_renders_in_the_new_language(
    conversations: Conversations, engine: FakeEngine
) -> None:
    engine.reply = lambda body: [BotMessage("language.changed", set_language="ur")]
    replies = (await conversations.handle(sms("urdu"))).replies
    assert engine.received[-1]["message"] == '/change_language{"language": "ur"}'
    assert replies[0].encoding == "UCS-2"
    engine.reply = lambda body: [BotMessage("menu.main")]
    await conversations.handle(sms("hello"))
    assert engine.received[-1]["metadata"]["language"] == "ur"


async def test_stop_silences_everything_until_start(
    conversations: Conversations, engine: FakeEngine
) -> None:
    """SAFETY.md rule 21: nothing until START but the answer to HELP (carrier rules); a plea
    in danger is answered too (tests/channels/test_sms.py, with the lexicon)."""
    catalogs = conversations.catalogs
    replies = (await conversations.handle(sms("STOP"))).replies
    assert [r.text for r in replies] == [catalogs.render("en", "optout.done")]
    assert (await conversations.handle(sms("hello?"))).replies == []
    helped = await conversations.handle(sms("help"))
    assert [r.text for r in helped.replies] == [catalogs.render("en", "help.reply")]
    assert helped.confirms_opt_out  # the outbox sends it despite the opt-out
    assert engine.received == []
    assert (await conversations.handle(sms("START"))).replies


async def test_help_is_one_neutral_line(conversations: Conversations) -> None:
    replies = (await conversations.handle(sms("HELP"))).replies
    assert len(replies) == 1 and "15" in replies[0].text


async def start_conversation(
    conversations: Conversations, trackers: TrackerStore, engine: FakeEngine
) -> None:
    """One message, and a tracker event for it as Rasa would have stored."""
    await conversations.handle(sms("hello"))
    with trackers.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, 'user', '{}')"),
            {"s": engine.received[0]["sender"]},
        )


def tracker_rows(trackers: TrackerStore) -> int:
    with trackers.engine.begin() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar() or 0)


async def test_exit_answers_neutrally_and_forgets_the_conversation(
    conversations: Conversations, trackers: TrackerStore, engine: FakeEngine
) -> None:
    """SAFETY.md rule 10."""
    await start_conversation(conversations, trackers, engine)
    assert tracker_rows(trackers) == 1
    replies = (await conversations.handle(sms("exit"))).replies
    assert [r.text for r in replies] == ["OK."]
    assert tracker_rows(trackers) == 0


async def test_delete_erases_the_person_everywhere_and_confirms(
    conversations: Conversations, trackers: TrackerStore, database: Database, engine: FakeEngine
) -> None:
    """SAFETY.md rule 11."""
    await start_conversation(conversations, trackers, engine)
    asked = (await conversations.handle(sms("DELETE"))).replies
    assert asked[0].menu == {"1": "!erase", "0": "!keep"}  # never at once
    with database.session() as session:
        assert session.scalars(select(Contact)).all() != []
    replies = (await conversations.handle(sms("1"))).replies
    assert "erased" in replies[0].text
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []
    assert tracker_rows(trackers) == 0


async def test_a_conversation_saved_again_by_a_turn_under_way_is_forgotten_again(
    conversations: Conversations,
    trackers: TrackerStore,
    engine: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review F18: another gateway's turn of theirs, in the engine while DELETE erased
    them, saves the whole conversation again when it ends; it is forgotten again."""
    monkeypatch.setattr(service, "FORGET_AGAIN_AFTER_SECONDS", 0.05)
    await start_conversation(conversations, trackers, engine)
    sender = engine.received[0]["sender"]
    await conversations.handle(sms("DELETE"))
    await conversations.handle(sms("1"))
    assert tracker_rows(trackers) == 0
    with trackers.engine.begin() as conn:  # the other gateway's turn ends: Rasa saves it all
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, 'user', '{}')"),
            {"s": sender},
        )
    await asyncio.sleep(0.3)
    assert tracker_rows(trackers) == 0


async def test_erase_directive_from_the_engine_erases(
    conversations: Conversations, database: Database, engine: FakeEngine
) -> None:
    engine.reply = lambda body: [BotMessage("delete.done", erase=True)]
    replies = (await conversations.handle(sms("yes"))).replies
    assert "erased" in replies[0].text
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("down"), httpx.ReadTimeout("slow")], ids=["down", "slow"]
)
async def test_engine_failure_still_gives_emergency_numbers(
    conversations: Conversations, engine: FakeEngine, failure: Exception
) -> None:
    engine.reply = lambda body: failure
    replies = (await conversations.handle(sms("mujhe bachao"))).replies
    assert "15" in replies[0].text and "1122" in replies[0].text


async def test_engine_garbage_still_gives_emergency_numbers(
    conversations: Conversations, engine: FakeEngine
) -> None:
    engine.reply = lambda body: [BotMessage("x")]

    def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"custom": {"no_key": 1}}])

    engine.handler = garbage  # type: ignore[method-assign]
    async with httpx.AsyncClient(transport=httpx.MockTransport(garbage)) as client:
        conversations.engine = DialogueEngine("http://rasa.test", "t", 1.0, client)
        replies = (await conversations.handle(sms("hello"))).replies
    assert "1122" in replies[0].text


async def test_keywords_work_with_the_engine_down(
    conversations: Conversations, engine: FakeEngine
) -> None:
    engine.reply = lambda body: httpx.ConnectError("down")
    assert ((await conversations.handle(sms("HELP"))).replies)[0].text
    assert ((await conversations.handle(sms("STOP"))).replies)[0].text


async def test_danger_goes_to_the_emergency_flow_whatever_the_model_thinks(
    conversations: Conversations, engine: FakeEngine
) -> None:
    from bot.conversation.danger import DangerLexicon

    conversations.danger = DangerLexicon.from_file(ROOT / "content" / "danger.yml")
    await conversations.handle(sms("the landlord's guys have a rifle"))
    assert engine.received[-1]["message"] == "/emergency"
    await conversations.handle(sms("I need a rifle range"))  # "rifle" alone is enough: better safe
    assert engine.received[-1]["message"] == "/emergency"
    await conversations.handle(sms("I need a lawyer"))
    assert engine.received[-1]["message"] == "I need a lawyer"
    # A danger that names what it is about says so, for the answer to offer that topic.
    await conversations.handle(sms("ghar wale zabardasti shadi kar rahe hain"))
    assert engine.received[-1]["message"] == '/emergency{"about": "forced_marriage"}'


async def test_a_choice_typed_in_words_works_like_its_digit(
    conversations: Conversations, engine: FakeEngine
) -> None:
    """People type what they read: "later" at "1 Yes, it is safe / 2 Later" is the 2."""
    engine.reply = lambda body: [
        BotMessage(
            "safety.ask",
            options=(Option("option.safe_now", "/affirm"), Option("option.later", "/deny")),
        )
    ]
    await conversations.handle(sms("hello"))
    await conversations.handle(sms("Later!"))
    assert engine.received[-1]["message"] == "/deny"
    await conversations.handle(sms("later on maybe"))  # not the label: words for the model
    assert engine.received[-1]["message"] == "later on maybe"


async def test_a_published_wording_reaches_the_next_reply(
    database: Database, trackers: TrackerStore, engine: FakeEngine, tmp_path: Path
) -> None:
    """Publishing swaps the catalogs on disk; the gateway must not keep serving the old words."""
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    catalogs = Catalogs(tmp_path / "locales")
    po = tmp_path / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    async with engine.client() as client:
        conversations = pipeline(
            database, trackers, catalogs, client, address_key=KEY
        ).conversations
        before = await conversations.handle(sms("hello"))
        edit(po, "menu.main", "Newly published words. Reply 1 or 2.")
        os.utime(po, ns=(po.stat().st_mtime_ns + 10**9,) * 2)  # a later publish, surely
        after = await conversations.handle(sms("hello"))
    assert "Newly published words" not in before.replies[0].text
    assert "Newly published words" in after.replies[0].text
