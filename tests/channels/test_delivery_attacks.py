"""Red team (an adversarial review): the message delivery path (inbox -> turn -> outbox) under awkward timing.

Each test states one defect and fails while it is there. Production code is untouched."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.channels import inbox as inbox_module
from bot.channels.base import Inbound
from bot.channels.inbox import LEFT_AFTER, Inbox
from bot.channels.outbox import Outbox
from bot.conversation.answering import Answering
from bot.privacy.identity import Vault
from bot.privacy.key_rotation import new_address_key
from bot.store import Database, InboundMessage
from bot.store.models import utcnow
from bot.wording.messages import BotMessage, Option
from bot.wording.render import Channel
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import menu_reply, post_sms

PHONE = "+923001234571"
OTHER_PHONE = "+923001234572"
EXIT_LINE = "OK."
STOP_LINE = "You will get no more messages from us. Reply START to begin again."


def intake_of(gateway: TestClient) -> Answering:
    intake: Answering = gateway.app.state.intake  # type: ignore[attr-defined]
    return intake


def age(db: Database, seconds: float = LEFT_AFTER.total_seconds() + 1) -> None:
    """Every waiting message received a while ago (the chore's view of 'left behind')."""
    with db.session() as session:
        session.execute(
            update(InboundMessage)
            .values(received_at=utcnow() - timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )


# -- 1. A crashed gateway's claim holds EXIT and a plea in danger for two minutes ---------


def test_exit_is_not_held_behind_a_dead_gateways_claim(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """SAFETY.md rule 10: EXIT ends the session *at once*. Gateway A received the person's
    message, claimed it and died (OOM, kill -9, node lost) mid-turn. The person, seeing no
    answer and someone coming, sends EXIT to gateway B. B's webhook keeps it, its task finds
    the oldest message claimed and does nothing; the chore skips it too until A's lease
    (120 s) runs out. Before the inbox, B answered EXIT at once."""
    intake = intake_of(gateway)
    assert post_sms(gateway, PHONE, "hello", "SM_A1").status_code == 200
    before = len(providers.sms_to(PHONE))
    dead_gateway = Inbox(intake.inbox.db, intake.inbox.vault)
    pid = intake.receive(Inbound(Channel.SMS, PHONE, "where can I stay tonight"), "SM_A2")
    assert pid is not None and dead_gateway.claim_oldest(pid) is not None  # ... then it died
    assert post_sms(gateway, PHONE, "EXIT", "SM_A3").status_code == 200
    age(intake.inbox.db)
    asyncio.run(intake.answer_left_behind())  # the chore of a live gateway, 5 s later
    assert EXIT_LINE in providers.sms_to(PHONE)[before:], "EXIT waits for a dead lease"


def test_a_plea_in_danger_is_not_held_behind_a_dead_gateways_claim(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """SAFETY.md rule 17: signs of immediate danger get the emergency numbers in the very
    next reply. Behind a crashed gateway's claim the danger message is not even read."""
    intake = intake_of(gateway)
    post_sms(gateway, PHONE, "hello", "SM_B1")
    dead_gateway = Inbox(intake.inbox.db, intake.inbox.vault)
    pid = intake.receive(Inbound(Channel.SMS, PHONE, "what are my rights"), "SM_B2")
    assert pid is not None and dead_gateway.claim_oldest(pid) is not None
    post_sms(gateway, PHONE, "they locked me in", "SM_B3")
    age(intake.inbox.db)
    asyncio.run(intake.answer_left_behind())
    asked = [body["message"] for body in engine.received]
    assert any(m.startswith("/emergency") for m in asked), "danger waits for a dead lease"


# -- 2. A database error after the engine's turn replays the whole turn --------------------


def _second_menu(body: dict[str, Any]) -> list[BotMessage]:
    if body["message"] == "/deny":  # "2. Later" on the first menu: a different question
        return [
            BotMessage(
                "safety.ask",
                options=(
                    Option("option.safe_now", "/ask_shelter"),
                    Option("option.later", "/ask_legal_aid"),
                ),
                zero=Option("option.skip", "/skip"),
            )
        ]
    return menu_reply(body)


def test_a_turn_retried_after_a_database_error_is_not_sent_to_the_engine_again(
    gateway: TestClient, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """answering._answer repeats `conversations.handle` when the outbox write fails (a
    PostgreSQL restart, SQLite busy). But the engine already took the turn and the contact's
    menu was already updated: the retry sends the message to the engine a second time, and
    a digit is read against the *new* menu. Here the person's "2" (Later) becomes
    "/deny" and then "/ask_legal_aid": two questions answered with one digit, and the
    tracker holds a turn the person never took."""
    engine.reply = _second_menu
    post_sms(gateway, PHONE, "hello", "SM_C1")
    asked_before = len(engine.received)
    real_write = Outbox._write
    failures = iter([True])

    def flaky_write(self: Outbox, *args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        real_write(self, *args, **kwargs)

    monkeypatch.setattr(Outbox, "_write", flaky_write)
    post_sms(gateway, PHONE, "2", "SM_C2")
    asked = [body["message"] for body in engine.received[asked_before:]]
    assert asked == ["/deny"], f"one digit, engine turns: {asked}"


# -- 3. Leases: a turn longer than its lease is answered twice; release frees another's -----


def test_a_turn_longer_than_its_lease_is_answered_once(
    gateway: TestClient,
    providers: FakeProviders,
    engine: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Gateway A's turn outlives its lease (here shortened; in production a turn can pass
    120 s: several engine replicas' connect timeouts, then five database waits of 15.5 s in
    all, each repeating the engine call). Gateway B's chore claims the same message and
    answers it; A finishes and answers it too: `Inbox.answered` deletes by id without
    checking that the claim is still A's, so nothing stops A's outbox write."""
    monkeypatch.setattr(inbox_module, "LEASE", timedelta(seconds=0.3))
    intake = intake_of(gateway)
    post_sms(gateway, PHONE, "hello", "SM_D1")
    before = len(providers.sms_to(PHONE))
    pid = intake.receive(Inbound(Channel.SMS, PHONE, "I need a lawyer"), "SM_D2")
    assert pid is not None
    conversations = intake.conversations
    gateway_b = Answering(conversations, Inbox(intake.inbox.db, intake.inbox.vault))

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.8)  # a slow engine (A's turn)
        return engine.handler(request)

    async def two_gateways() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
            conversations.engine._client = client
            a = asyncio.create_task(intake.answer_waiting(pid))
            await asyncio.sleep(0.5)  # A's lease has run out, A still works on it
            b = asyncio.create_task(gateway_b.answer_left_behind())
            await asyncio.gather(a, b)

    asyncio.run(two_gateways())
    asked = [body["message"] for body in engine.received].count("I need a lawyer")
    answers = len(providers.sms_to(PHONE)) - before
    assert (asked, answers) == (1, 1), f"engine turns {asked}, answers sent {answers}"


def test_a_gateway_giving_back_an_expired_claim_does_not_free_anothers(
    database: Database,
) -> None:
    """`Inbox.release` clears `claimed_until` by id alone: gateway A, whose lease ran out
    and whose message gateway B then claimed, is stopped (SIGTERM cancels A's turn, and
    `_give_back` releases). B's live claim is erased and gateway C claims the same message:
    two turns of one person at once, both answered."""
    kept = Inbox(database, Vault(new_address_key()))
    kept.accept(Inbound(Channel.SMS, PHONE, "m0"), "p_one", "SM_E1")
    a = kept.claim_oldest("p_one")
    assert a is not None
    with database.session() as session:  # A's lease runs out while A still works
        session.execute(
            update(InboundMessage)
            .values(claimed_until=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    b = kept.claim_oldest("p_one")
    assert b is not None  # B's claim, live
    kept.release(a)  # A stops and gives "its" message back
    assert kept.claim_oldest("p_one") is None, "B's claim was released by A"


# -- 4. One unreadable waiting message stops the chore for everyone ------------------------


def test_one_unreadable_waiting_message_does_not_block_everyone_elses(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """A row the vault can't open (sealed by a gateway still on the old address key during a
    rolling key change, or damaged): `claim_oldest` raises ValueError, which `answer_waiting`
    does not catch (only DBAPIError), so `answer_left_behind`'s loop stops at it, every 5 s,
    for ever (retention: 30 days). Every other person left behind *after* it is never
    answered. The outbox drops such a row (`_UNREADABLE`); the inbox does not."""
    intake = intake_of(gateway)
    old_key_gateway = Inbox(intake.inbox.db, Vault(new_address_key()))
    stranger = Inbound(Channel.SMS, "+923001234579", "hello")
    from bot.privacy.identity import pseudonym

    stranger_pid = pseudonym(intake.conversations.pseudonym_key, Channel.SMS, stranger.address)
    assert old_key_gateway.accept(stranger, stranger_pid, "SM_F1")  # then that gateway went
    assert intake.receive(Inbound(Channel.SMS, OTHER_PHONE, "hello"), "SM_F2") is not None
    age(intake.inbox.db)
    with contextlib.suppress(Exception):  # the chore logs it and tries again in 5 s
        asyncio.run(intake.answer_left_behind())
    assert providers.sms_to(OTHER_PHONE), "a stranger's unreadable row blocks this person"


# -- 5. STOP: a reply still goes out after the person's STOP was received ------------------


def test_nothing_is_sent_after_stop_was_received(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """SAFETY.md rule 21 (carrier rules): STOP stops all messages. A message of the person's
    was claimed by a gateway that died; they text STOP. When the lease runs out the chore
    answers the old message first -- a new SMS, minutes after STOP -- and only then STOP."""
    intake = intake_of(gateway)
    post_sms(gateway, PHONE, "hello", "SM_G1")
    dead_gateway = Inbox(intake.inbox.db, intake.inbox.vault)
    pid = intake.receive(Inbound(Channel.SMS, PHONE, "what are my rights"), "SM_G2")
    assert pid is not None and dead_gateway.claim_oldest(pid) is not None
    post_sms(gateway, PHONE, "STOP", "SM_G3")
    stop_received = len(providers.sms_to(PHONE))
    with intake.inbox.db.session() as session:  # two minutes later: the lease ran out
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.claimed_until.is_not(None))
            .values(claimed_until=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    age(intake.inbox.db)
    asyncio.run(intake.answer_left_behind())
    after_stop = providers.sms_to(PHONE)[stop_received:]
    assert after_stop in ([], [STOP_LINE]), f"sent after STOP: {after_stop}"


# -- 6. One kept message the engine always fails on holds everyone's kept messages ---------

POISON = "zzz poison"


def test_one_kept_message_the_engine_always_fails_on_does_not_hold_everyone(
    gateway: TestClient, providers: FakeProviders, engine: FakeEngine
) -> None:
    """`redeliver_pending` "stops at the first engine failure" across *all* people, and a
    kept message's `attempts` are counted but never used. Since 272ff29 any exception in a
    Rasa turn is a `failed` turn (EngineError): a message that makes the engine fail every
    time (a crashing action or policy for that input) is kept, and from then on it is the
    head of the queue for ever (retention: 30 days): every other person's kept message --
    kept while the engine really was down -- is never answered."""
    from tests.auxil.fake_engine import agreeing

    default = engine.reply

    def fails_on_poison(body: dict[str, Any]) -> list[BotMessage] | Exception:
        if body["message"] == POISON:
            return httpx.ReadTimeout("the turn failed")
        return default(body)

    engine.reply = fails_on_poison
    agreeing(engine)
    post_sms(gateway, PHONE, "yes", "SM_H1")
    post_sms(gateway, PHONE, POISON, "SM_H2")  # kept: the engine failed on it
    agreeing(engine)
    post_sms(gateway, OTHER_PHONE, "yes", "SM_H3")
    engine.down = True
    post_sms(gateway, OTHER_PHONE, "I need a lawyer in Lahore", "SM_H4")  # kept: engine down
    engine.down = False
    conversations = intake_of(gateway).conversations
    assert conversations.pending_count() == 2
    for _ in range(3):  # the chore, three passes
        asyncio.run(conversations.redeliver_pending())
    asked = [body["message"] for body in engine.received]
    assert "I need a lawyer in Lahore" in asked, "the other person's kept message waits for ever"


# -- 7. Polling (development): one person's unreadable waiting message stops the bot -------


def test_polling_survives_one_persons_unreadable_waiting_message(
    gateway: TestClient, providers: FakeProviders
) -> None:
    """`receive_update` catches only DBAPIError; `answer_waiting` lets the inbox's
    ValueError through (see test 4), `_poll` awaits `on_update` unguarded: the polling task
    ends and the bot reads no update from anyone again until restarted."""
    from functools import partial

    from bot.channels.telegram import TelegramChannel, receive_update
    from bot.privacy.identity import pseudonym

    intake = intake_of(gateway)
    telegram: TelegramChannel = gateway.app.state.telegram  # type: ignore[attr-defined]
    chat_a, chat_b = 880012345, 880054321
    address_a = str(chat_a)
    pid_a = pseudonym(intake.conversations.pseudonym_key, Channel.TELEGRAM, address_a)
    Inbox(intake.inbox.db, Vault(new_address_key())).accept(
        Inbound(Channel.TELEGRAM, address_a, "hello", 1), pid_a, "1"
    )

    def update(update_id: int, chat: int) -> dict[str, Any]:
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id, "date": 1_700_000_000, "text": "hello",
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "A"},
            },
        }  # fmt: skip

    providers.updates.extend([update(7001, chat_a), update(7002, chat_b)])

    async def poll_a_while() -> None:
        task = asyncio.create_task(telegram._poll(partial(receive_update, telegram, intake)))
        await asyncio.sleep(1.0)
        task.cancel()
        with contextlib.suppress(BaseException):
            await task

    asyncio.run(poll_a_while())
    assert providers.telegram_texts_to(chat_b), "the polling loop died on chat A's message"


# -- 8. A gateway stopped while it waits out a database error keeps its claim --------------


def test_a_gateway_stopped_during_a_database_wait_gives_its_message_back(
    gateway: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_answer` gives the message back on CancelledError only inside its `try`; the
    `asyncio.sleep(wait)` between database retries is in the `except DBAPIError` handler,
    outside it. A gateway stopped (SIGTERM) during a database blip leaves its claim to run
    out: the person's queue -- EXIT, STOP, a plea in danger -- waits 120 s more."""

    def always_failing(self: Outbox, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Outbox, "_write", always_failing)
    intake = intake_of(gateway)
    pid = intake.receive(Inbound(Channel.SMS, PHONE, "hello"), "SM_J1")
    assert pid is not None

    async def stopped_mid_wait() -> None:
        task = asyncio.create_task(intake.answer_waiting(pid))
        await asyncio.sleep(0.25)  # in the first 0.5 s wait
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(stopped_mid_wait())
    other_gateway = Inbox(intake.inbox.db, intake.inbox.vault)
    assert other_gateway.claim_oldest(pid) is not None, "the stopped gateway kept its claim"
