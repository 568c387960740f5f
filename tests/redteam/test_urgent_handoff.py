"""A yes to a person in danger opens the ticket at once; the wish for a woman worker is
asked after, and answered by the gateway (SAFETY.md rules 17 and 18)."""

from __future__ import annotations

import asyncio

from bot.store import Author
from bot.wording.render import Channel
from tests.redteam.conversation import Person, Stack


def test_danger_then_yes_opens_an_urgent_ticket_then_asks_for_a_woman_worker(
    stack: Stack,
) -> None:
    person = Person(stack, Channel.SMS, "+923005550101")

    async def talk() -> None:
        await person.says("mujhe bachao malik ne band kar rakha hai")
        await person.says("1")

    asyncio.run(talk())
    [ticket] = person.tickets()
    assert ticket.urgent and ticket.wants_woman_worker is None  # opened at once
    asked = person.replies[-1][-1]
    assert asked.menu == {"1": "!woman", "2": "!anyone"}
    asyncio.run(person.says("1"))
    [ticket] = person.tickets()
    assert ticket.wants_woman_worker is True
    said = [m.text for m in stack.desk.conversation(ticket.id) if m.author == Author.SURVIVOR]
    assert said == []  # the choice is the gateway's to record, not a message for staff
    asyncio.run(person.says("2"))  # the menu is used up: now it is words for the worker
    said = [m.text for m in stack.desk.conversation(ticket.id) if m.author == Author.SURVIVOR]
    assert said == ["2"]
