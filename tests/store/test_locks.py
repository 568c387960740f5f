"""One at a time per person, and no lock kept for anyone nobody is serving (review F19l)."""

from __future__ import annotations

import asyncio

from bot.channels import Inbound
from bot.privacy.erasure import TrackerStore
from bot.store import Database
from bot.store.locks import PersonLocks
from bot.wording.catalogs import Catalogs
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.pipeline import pipeline


async def hold(locks: PersonLocks, pseudonym: str, order: list[str], name: str) -> None:
    async with locks(pseudonym):
        order.append(name)


async def test_one_at_a_time_and_the_lock_goes_when_nobody_holds_or_waits() -> None:
    locks = PersonLocks()
    order: list[str] = []
    async with locks("p_1"):
        waiter = asyncio.create_task(hold(locks, "p_1", order, "second"))
        other = asyncio.create_task(hold(locks, "p_2", order, "someone else"))
        await asyncio.sleep(0)  # let both start: p_2 gets in, the waiter for p_1 queues
        assert order == ["someone else"]
        assert locks.in_use() == 1  # p_1: held, and awaited; p_2's is gone already
        order.append("first")
    await asyncio.gather(waiter, other)
    assert order == ["someone else", "first", "second"]
    assert locks.in_use() == 0


async def test_a_waiter_that_gives_up_leaves_nothing_behind() -> None:
    locks = PersonLocks()
    async with locks("p_1"):
        waiter = asyncio.create_task(hold(locks, "p_1", [], "never"))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        assert locks.in_use() == 1  # still held by us
    assert locks.in_use() == 0


async def test_many_people_leave_no_locks_behind(
    database: Database, trackers: TrackerStore, catalogs: Catalogs
) -> None:
    """The gateway's own locks (desk and conversations share them) after many people: the
    map no longer grows with everyone who ever wrote, nor keeps a pseudonym after DELETE."""
    engine = FakeEngine()
    async with engine.client() as client:
        wired = pipeline(database, trackers, catalogs, client)
        for n in range(200):
            await wired.conversations.handle(Inbound(Channel.SMS, f"+9230{n:08d}", "hello"))
        assert wired.desk.locks.in_use() == 0
