"""The inbox as a property (issue 18): two gateways receive, claim, answer, stop and crash
in any order hypothesis finds, and still every person's messages are answered once each,
in the order they arrived, and never two of one person's at the same time."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from tempfile import mkdtemp

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import update

from bot.channels.base import Inbound
from bot.channels.inbox import Inbox, Waiting
from bot.privacy.identity import Vault
from bot.privacy.key_rotation import new_address_key
from bot.store import Database, InboundMessage
from bot.store.models import utcnow
from bot.wording.render import Channel
from tests.auxil.fuzz import EXAMPLES, FUZZ

PEOPLE = ("p_a", "p_b")
GATEWAYS = (0, 1)


class TwoGateways(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        db = Database(f"sqlite:///{Path(mkdtemp()) / 'inbox.db'}")
        db.create_all()  # the models themselves: a migration per example would take seconds
        self.db = db
        self.inbox = Inbox(db, Vault(new_address_key()))
        self.numbers = itertools.count()
        self.provider_ids: list[str] = []
        self.received: dict[str, list[str]] = {person: [] for person in PEOPLE}
        self.answered: dict[str, list[str]] = {person: [] for person in PEOPLE}
        self.holding: dict[int, dict[str, Waiting]] = {gateway: {} for gateway in GATEWAYS}
        self.orphans: set[int] = set()  # rows claimed by a gateway that crashed

    @rule(person=st.sampled_from(PEOPLE))
    def a_message_arrives(self, person: str) -> None:
        text = f"m{next(self.numbers)}"
        provider_id = f"SM{text}"
        assert self.inbox.accept(Inbound(Channel.SMS, "+92300", text), person, provider_id)
        self.provider_ids.append(provider_id)
        self.received[person].append(text)

    @precondition(lambda self: self.provider_ids)
    @rule(data=st.data())
    def the_provider_sends_one_again(self, data: st.DataObject) -> None:
        provider_id = data.draw(st.sampled_from(self.provider_ids))
        assert not self.inbox.accept(Inbound(Channel.SMS, "+92300", "again"), "p_a", provider_id)

    @rule(gateway=st.sampled_from(GATEWAYS), person=st.sampled_from(PEOPLE))
    def a_gateway_claims(self, gateway: int, person: str) -> None:
        if person in self.holding[gateway]:
            return
        claimed = self.inbox.claim_oldest(person)
        if claimed is not None:
            self.holding[gateway][person] = claimed

    @rule(gateway=st.sampled_from(GATEWAYS), person=st.sampled_from(PEOPLE))
    def a_gateway_answers(self, gateway: int, person: str) -> None:
        waiting = self.holding[gateway].pop(person, None)
        if waiting is not None:
            assert waiting.inbound.text is not None
            self.answered[person].append(waiting.inbound.text)
            self.inbox.done(waiting)

    @rule(gateway=st.sampled_from(GATEWAYS))
    def a_gateway_stops(self, gateway: int) -> None:
        for waiting in self.holding[gateway].values():
            self.inbox.release(waiting)
        self.holding[gateway] = {}

    @rule(gateway=st.sampled_from(GATEWAYS))
    def a_gateway_crashes(self, gateway: int) -> None:
        self.orphans |= {waiting.id for waiting in self.holding[gateway].values()}
        self.holding[gateway] = {}

    @precondition(lambda self: self.orphans)
    @rule()
    def the_dead_gateways_leases_run_out(self) -> None:
        with self.db.session() as session:
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id.in_(self.orphans))
                .values(claimed_until=utcnow() - timedelta(seconds=1))
                .execution_options(synchronize_session=False)
            )
        self.orphans = set()

    @invariant()
    def one_of_a_persons_messages_at_a_time_in_order_and_once(self) -> None:
        for person in PEOPLE:
            held = [h[person] for h in self.holding.values() if person in h]
            assert len(held) <= 1
            answered = self.answered[person]
            assert answered == self.received[person][: len(answered)]

    def teardown(self) -> None:
        """Everything still waiting is answered in the end: nothing was lost."""
        for gateway in GATEWAYS:
            self.a_gateway_stops(gateway)
        self.the_dead_gateways_leases_run_out()
        for person in PEOPLE:
            while (waiting := self.inbox.claim_oldest(person)) is not None:
                assert waiting.inbound.text is not None
                self.answered[person].append(waiting.inbound.text)
                self.inbox.done(waiting)
            assert self.answered[person] == self.received[person]
        self.db.engine.dispose()


# A twentieth of the fuzzing budget: each example is a whole run of up to 30 steps on SQLite.
TwoGateways.TestCase.settings = settings(
    FUZZ, max_examples=max(EXAMPLES // 20, 10), stateful_step_count=30
)
test_two_gateways_answer_each_message_once_in_order = TwoGateways.TestCase
