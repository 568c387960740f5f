"""The gateway keeps a message the model could not place only for people who agreed to
keeping what they write; masked and sealed; gone with DELETE, retention and their consent,
and carried through a key rotation. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels import SIMULATED_PREFIX, Inbound
from bot.conversation.service import Conversations
from bot.learning.review import listed
from bot.privacy.erasure import TrackerStore, erase_person
from bot.privacy.identity import Vault
from bot.privacy.key_rotation import Keys, new_address_key, new_pseudonym_key, rotate_keys
from bot.privacy.retention import purge
from bot.store import Database, ReviewStatus, UnrecognisedMessage
from bot.store.models import utcnow
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage, Option
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.auxil.pipeline import KEY, pipeline
from tests.privacy.conftest import dump

PERSON = SIMULATED_PREFIX + "+923215550177"
UNSURE = (("ask_rights", 0.41), ("ask_bonded_labour_info", 0.38))
WRITTEN = "seth ne 0300 1234567 pe call kr k bola lahore se bahir mat jana"


def not_understood(body: dict[str, object]) -> list[BotMessage]:
    """What the actions send when the model could not place the message."""
    return [BotMessage("fallback.first", unrecognised=UNSURE)]


@asynccontextmanager
async def gateway(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine,
    keys: Keys | None = None,
) -> AsyncIterator[Conversations]:  # fmt: skip
    async with engine.client() as client:
        yield pipeline(
            database, trackers, catalogs, client,
            **({"address_key": keys.address_key, "pseudonym_key": keys.pseudonym_key}
               if keys else {}),
        ).conversations  # fmt: skip


async def says(conversations: Conversations, words: str) -> None:
    await conversations.handle(Inbound("sms", PERSON, words))


def kept(database: Database, vault: Vault | None = None) -> list[str]:
    with database.session() as session:
        return [m.text for m in listed(session, vault or Vault(KEY), ReviewStatus.OPEN)]


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(not_understood)


async def test_a_consenting_persons_message_is_kept_masked_and_sealed(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")  # the yes to keeping
        await says(conversations, WRITTEN)
    assert kept(database) == ["seth ne ‹number› pe call kr k bola ‹place› se bahir mat jana"]
    stored = dump(database.engine)
    assert "1234567" not in stored and "seth ne" not in stored  # sealed, not only masked
    with database.session() as session:
        row = session.scalars(select(UnrecognisedMessage)).one()
        assert row.ranking == [list(item) for item in UNSURE]
        assert row.language == "ur_Latn"  # what it is written in, for its training data


async def test_nothing_is_kept_without_consent(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    async with gateway(database, trackers, catalogs, engine) as conversations:
        await says(conversations, WRITTEN)  # never answered the notice
    assert kept(database) == []


async def test_an_understood_message_is_not_kept(
    database: Database, trackers: TrackerStore, catalogs: Catalogs
) -> None:
    async with gateway(database, trackers, catalogs, agreeing(FakeEngine())) as conversations:
        await says(conversations, "1")
        await says(conversations, "I need a lawyer in Multan")
    assert kept(database) == []


async def test_delete_retention_and_rotation_reach_kept_messages(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    old = Keys("secret", KEY)
    new = Keys(new_pseudonym_key(), new_address_key())
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        await says(conversations, WRITTEN)
    rotate_keys(database, trackers, old, new)
    assert kept(database, Vault(new.address_key)) != []  # moved and sealed again
    with database.session() as session:
        moved = session.scalars(select(UnrecognisedMessage.pseudonym)).one()
    erase_person(database, trackers, moved)
    assert kept(database, Vault(new.address_key)) == []

    async with gateway(database, trackers, catalogs, agreeing(engine), new) as conversations:
        await says(conversations, "1")
        await says(conversations, WRITTEN)
    assert purge(database, trackers, retention=timedelta(days=30)).other_rows == 0
    purge(database, trackers, retention=timedelta(days=30), now=utcnow() + timedelta(days=31))
    assert kept(database, Vault(new.address_key)) == []


async def test_a_no_after_a_yes_forgets_what_was_kept(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        await says(conversations, WRITTEN)
        assert kept(database) != []
        engine.reply = lambda body: [BotMessage("consent.declined", consent=False)]
        await says(conversations, "2")
    assert kept(database) == []


async def test_the_persons_answer_to_which_did_you_mean_is_kept_as_their_correction(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    asked = BotMessage(
        "fallback.which",
        options=(
            Option("option.topic.legal_aid", '/ask_legal_aid{"topic": "legal_aid"}'),
            Option("option.find_service", "/find_service"),
        ),
        zero=Option("option.main_menu", "/main_menu"),
        unrecognised=UNSURE,
    )
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        engine.reply = lambda body: [asked]
        await says(conversations, "wakeel chahiye ya madad pata nahi")
        engine.reply = lambda body: [BotMessage("info.legal_aid")]
        await says(conversations, "1")
        await says(conversations, "1")  # a later menu's digit corrects nothing more
    with database.session() as session:
        row = session.scalars(select(UnrecognisedMessage)).one()
        assert row.chosen == "ask_legal_aid"
    assert engine.received[-2]["message"].startswith("/ask_legal_aid")


async def test_going_back_to_the_menu_is_no_correction(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    asked = BotMessage("fallback.which", options=(Option("option.find_service", "/find_service"),),
                       zero=Option("option.main_menu", "/main_menu"), unrecognised=UNSURE)  # fmt: skip
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        engine.reply = lambda body: [asked]
        await says(conversations, "kuch aur baat hai")
        await says(conversations, "0")
    with database.session() as session:
        assert session.scalars(select(UnrecognisedMessage)).one().chosen is None


# -- what the adversarial review of issue 17 found ---------------------------------------


async def test_a_no_answered_after_an_outage_forgets_what_was_kept(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        await says(conversations, WRITTEN)
        engine.down = True
        await says(conversations, "2")  # kept as pending: the engine is down
        engine.down = False
        engine.reply = lambda body: [BotMessage("consent.declined", consent=False)]
        assert await conversations.redeliver_pending() == 1
    assert kept(database) == []


async def test_exit_and_stop_leave_nothing_in_the_editors_list(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    for keyword in ("EXIT", "STOP"):
        async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
            await says(conversations, "1")
            engine.reply = not_understood
            await says(conversations, WRITTEN)
            assert kept(database) != []
            await says(conversations, keyword)
        assert kept(database) == [], keyword
        await says_start_again(database, trackers, catalogs)


async def says_start_again(database: Database, trackers: TrackerStore, catalogs: Catalogs) -> None:
    async with gateway(database, trackers, catalogs, FakeEngine()) as conversations:
        await says(conversations, "START")


async def test_offered_meanings_keep_no_place_the_model_read(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    asked = BotMessage(
        "fallback.which",
        options=(Option("option.find_service", '/find_service{"location": "dhok pathan"}'),
                 Option("option.topic.legal_aid", "/ask_legal_aid")),
        zero=Option("option.main_menu", "/main_menu"),
        unrecognised=UNSURE,
    )  # fmt: skip
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        engine.reply = lambda body: [asked]
        await says(conversations, "dhok pathan mein koi hai jo madad kare")
    with database.session() as session:
        row = session.scalars(select(UnrecognisedMessage)).one()
        assert row.offered == ["find_service", "ask_legal_aid"]  # the meanings, not the place
        assert "dhok pathan" not in repr((row.ranking, row.chosen, row.language))


async def test_a_later_menus_choice_is_no_correction(
    database: Database, trackers: TrackerStore, catalogs: Catalogs, engine: FakeEngine
) -> None:
    asked = BotMessage("fallback.which", options=(Option("option.find_service", "/find_service"),
                       Option("option.topic.legal_aid", "/ask_legal_aid")),
                       zero=Option("option.main_menu", "/main_menu"), unrecognised=UNSURE)  # fmt: skip
    main_menu = BotMessage("menu.main", options=(
        Option("option.find_service", "/find_service"), Option("option.request_human", "/request_human"),
    ))  # fmt: skip
    async with gateway(database, trackers, catalogs, agreeing(engine)) as conversations:
        await says(conversations, "1")
        engine.reply = lambda body: [asked]
        await says(conversations, "kuch aur baat hai")
        engine.reply = lambda body: [main_menu]
        await says(conversations, "0")
        await says(conversations, "1")  # find_service, from the main menu
    with database.session() as session:
        assert session.scalars(select(UnrecognisedMessage)).one().chosen is None
