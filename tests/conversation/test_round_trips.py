"""What one message costs the gateway's stores, in statements and transactions: counts, not
times (issue 19: the gateway's own work per message is mostly round trips to the databases;
`scripts/bench_gateway.py` measures the time). A change that adds one to every turn fails
here: make it pay for itself, or raise the budget saying why."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select, text, update

from bot.channels import Inbound
from bot.conversation.service import SEEN_STEP, Conversations
from bot.privacy.erasure import TrackerStore
from bot.store import Contact, Database
from bot.store.models import as_utc
from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage, Option
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.auxil.pipeline import pipeline

PHONE = "+923001234568"
# Free text, as in make bench's script (scripts/bench.py): each goes to the engine.
SAID = ["I need a lawyer", "what is bonded labour", "how do I report to the FIA", "thank you"]


@dataclass
class Budget:
    statements: int
    transactions: int


class Counted:
    """Statements and transactions on each store, the most any one turn took."""

    def __init__(self) -> None:
        self.turn: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    def watch(self, engine: Engine, name: str) -> None:
        def executed(*_: object) -> None:
            self.turn[f"{name} statements"] += 1

        def began(*_: object) -> None:
            self.turn[f"{name} transactions"] += 1

        event.listen(engine, "before_cursor_execute", executed)
        event.listen(engine, "begin", began)

    async def each_turn(self, conversations: Conversations, said: list[str]) -> None:
        for words in said:
            self.turn.clear()
            await conversations.handle(sms(words))
            self.most |= self.turn  # the larger count of each

    def within(self, name: str, budget: Budget) -> None:
        statements = self.most[f"{name} statements"]
        transactions = self.most[f"{name} transactions"]
        assert statements <= budget.statements and transactions <= budget.transactions, (
            f"{name}: {statements} statements in {transactions} transactions, budget "
            f"{budget.statements} in {budget.transactions}"
        )


class Rasa(FakeEngine):
    """Answers with a new menu each turn (so the contact's menu is written, as it mostly is)
    and writes the turn's events the way Rasa does, on a connection of its own (not counted)."""

    def __init__(self, tracker: Engine) -> None:
        super().__init__(self._answer)
        self.tracker = tracker
        self.turns = 0

    def _answer(self, body: dict[str, Any]) -> list[BotMessage]:
        self.turns += 1
        with self.tracker.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:s, 'user', 1, :d)"
                ),
                {"s": body["sender"], "d": f'{{"text": "{body["message"]}"}}'},
            )
        option = Option("option.find_service", f'/find_service{{"page": {self.turns}}}')
        return [BotMessage("menu.main", options=(option,))]


@pytest.fixture
def counted(database: Database, trackers: TrackerStore) -> Counted:
    counted = Counted()
    counted.watch(database.engine, "gateway's store")
    counted.watch(trackers.engine, "tracker store")
    return counted


@pytest.fixture
def rasa(trackers: TrackerStore) -> Iterator[Rasa]:
    own = create_engine(trackers.engine.url)
    yield Rasa(own)
    own.dispose()


@pytest.fixture
async def conversations(
    database: Database, trackers: TrackerStore, rasa: Rasa, catalogs: Catalogs
) -> AsyncIterator[Conversations]:
    async with rasa.client() as client:
        yield pipeline(database, trackers, catalogs, client).conversations


def sms(said: str) -> Inbound:
    return Inbound(Channel.SMS, PHONE, said)


async def test_a_turn_before_any_consent_reads_once_writes_once_and_scrubs_once(
    conversations: Conversations, counted: Counted, database: Database
) -> None:
    """make bench's path: the person, their ticket and their last menu (a read, a write);
    what they wrote scrubbed from the tracker (a read and a write in one transaction)."""
    await conversations.handle(sms("hello"))  # new: the budget is for the turns after
    await counted.each_turn(conversations, SAID)
    counted.within("gateway's store", Budget(statements=2, transactions=2))
    # SQLite also empties its write-ahead log after a scrub (docs/privacy.md).
    sqlite = database.engine.dialect.name == "sqlite"
    tracker = (
        Budget(statements=3, transactions=2) if sqlite else Budget(statements=2, transactions=1)
    )
    counted.within("tracker store", tracker)


async def test_a_turn_after_consent_touches_only_the_gateways_store(
    conversations: Conversations, counted: Counted, rasa: Rasa
) -> None:
    agreeing(rasa)
    await conversations.handle(sms("yes"))
    await counted.each_turn(conversations, SAID)
    counted.within("gateway's store", Budget(statements=2, transactions=2))
    counted.within("tracker store", Budget(statements=0, transactions=0))


async def test_last_seen_is_stamped_again_once_it_is_a_minute_old(
    conversations: Conversations, database: Database
) -> None:
    """Retention counts from it (bot/privacy/retention.py): it may lag a minute, never more."""
    await conversations.handle(sms("hello"))
    with database.session() as session:
        first = as_utc(session.scalars(select(Contact.last_seen_at)).one())
        session.execute(update(Contact).values(last_seen_at=first - SEEN_STEP))
    await conversations.handle(sms("thank you"))
    with database.session() as session:
        again = as_utc(session.scalars(select(Contact.last_seen_at)).one())
    assert again >= first
    with database.session() as session:
        session.execute(update(Contact).values(last_seen_at=again - SEEN_STEP / 2))
    await conversations.handle(sms("thank you"))
    with database.session() as session:
        assert as_utc(session.scalars(select(Contact.last_seen_at)).one()) == again - SEEN_STEP / 2
