"""Working a ticket: claim, reply through the person's channel (typed or canned, checked for
length and for trigger words in the preview), summary, close."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.handoff.queue import open_ticket
from bot.privacy.identity import Vault, pseudonym
from bot.store import Contact, OutboundMessage, TicketStatus
from bot.store.models import utcnow
from bot.wording.catalogs import Catalogs
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms
from tests.channels.test_telegram import post_update, text_update
from tests.console.conftest import (
    Person,
    claim,
    claimed_by_amina,
    csrf,
    person_asking_for_help,
    reply,
    signed_in,
    ticket,
)


def test_a_worker_claims_replies_and_the_sms_reaches_the_person(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    assert ticket(app, person.ticket_id).status == TicketStatus.CLAIMED
    mine = amina.get("/console/queue?view=mine").text
    assert f'data-ticket="{person.ticket_id}"' in mine
    before = len(providers.sms_to(person.phone))
    assert reply(amina, person, text="I am here with you. Are you safe now?").endswith("sent")
    assert providers.sms_to(person.phone)[before:] == ["I am here with you. Are you safe now?"]
    page = amina.get(f"/console/tickets/{person.ticket_id}").text
    assert "I am here with you. Are you safe now?" in page and "1 SMS" in page


def test_a_reply_the_network_refused_for_now_says_so_and_goes_out_later(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    """The worker is not told "Sent." while the reply only waits in the outbox."""
    person, amina = claimed_by_amina(app, gateway)
    providers.twilio_error = {"code": 20500, "message": "Internal Server Error", "status": 503}
    assert reply(amina, person, text="I am here with you.").endswith("waiting")
    page = amina.get(f"/console/tickets/{person.ticket_id}?done=waiting").text
    assert "Not delivered yet" in page
    providers.twilio_error = None
    outbox = app.state.conversations.outbox
    with app.state.db.session() as session:  # its backoff over
        session.execute(update(OutboundMessage).values(next_attempt_at=utcnow()))
    gateway.portal.call(outbox.flush_due)  # type: ignore[union-attr]  # the app's own loop
    assert providers.sms_to(person.phone)[-1] == "I am here with you."


def test_canned_replies_are_sent_in_the_persons_language(
    app: FastAPI, gateway: TestClient, providers: FakeProviders, catalogs: Catalogs
) -> None:
    person = person_asking_for_help(app, gateway)
    with app.state.db.session() as session:
        contact = session.get(Contact, person.pseudonym)
        assert contact is not None
        contact.language = "ur_Latn"
    amina = signed_in(app, "amina")
    claim(amina, person)
    page = amina.get(f"/console/tickets/{person.ticket_id}").text
    expected = catalogs.render("ur_Latn", "canned.safe_now")
    assert expected in page  # the worker sees what will be sent
    reply(amina, person, canned="canned.safe_now")
    assert providers.sms_to(person.phone)[-1] == expected
    bad = amina.post(
        f"/console/tickets/{person.ticket_id}/reply",
        data={"csrf": csrf(amina), "canned": "welcome.intro"},
    )
    assert bad.status_code == 400  # only the canned list, never any catalog key


def test_empty_and_overlong_replies_are_refused_and_nothing_is_sent(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    person, amina = claimed_by_amina(app, gateway)
    before = len(providers.sms_to(person.phone))
    assert reply(amina, person, text="   ").endswith("empty")
    url, token = f"/console/tickets/{person.ticket_id}/reply", csrf(amina)
    for overlong in ["x" * 307, "آپ " * 50]:  # three segments: GSM-7, then UCS-2 (rule 8)
        page = amina.post(url, data={"csrf": token, "text": overlong})
        assert page.status_code == 200 and "must fit two SMS" in page.text
        assert overlong.strip() in page.text  # the draft is kept for shortening
    assert len(providers.sms_to(person.phone)) == before


def test_a_trigger_word_in_the_preview_is_flagged_once_before_sending(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    """Rule 12: the worker is warned; sending anyway is their call."""
    person, amina = claimed_by_amina(app, gateway)
    before = len(providers.sms_to(person.phone))
    url, token = f"/console/tickets/{person.ticket_id}/reply", csrf(amina)
    words = "Trafficking is a crime and it is not your fault."
    page = amina.post(url, data={"csrf": token, "text": words})
    assert page.status_code == 200 and "locked phone" in page.text and words in page.text
    assert len(providers.sms_to(person.phone)) == before
    sent = amina.post(url, data={"csrf": token, "text": words, "send_anyway": "yes"})
    assert sent.headers["location"].endswith("done=sent")
    assert providers.sms_to(person.phone)[-1] == words


def test_after_quick_exit_a_reply_is_held_and_the_close_says_nothing(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    """Someone may hold the phone after EXIT: nothing goes out for the ticket (rule 2)."""
    person, amina = claimed_by_amina(app, gateway)
    post_sms(gateway, person.phone, "EXIT", "SMexit00000000000000000000000001")
    deadline = time.monotonic() + 5
    while ticket(app, person.ticket_id).exited_at is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    before = len(providers.sms_to(person.phone))
    assert reply(amina, person, text="Are you safe now?").endswith("done=held")
    page = amina.get(f"/console/tickets/{person.ticket_id}").text
    assert "Held, not sent" in page and "Are you safe now?" in page
    amina.post(f"/console/tickets/{person.ticket_id}/close", data={"csrf": csrf(amina)})
    assert len(providers.sms_to(person.phone)) == before


def test_closing_tells_the_person_and_hands_back_to_the_bot(
    app: FastAPI,
    gateway: TestClient,
    providers: FakeProviders,
    engine: object,
    catalogs: Catalogs,
) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    summary = amina.post(
        f"/console/tickets/{person.ticket_id}/summary",
        data={"csrf": csrf(amina), "summary": "needs shelter; wages unpaid"},
    )
    assert summary.status_code == 303
    closed = amina.post(f"/console/tickets/{person.ticket_id}/close", data={"csrf": csrf(amina)})
    assert closed.headers["location"].endswith("done=closed")
    assert providers.sms_to(person.phone)[-1] == catalogs.render("en", "handoff.closed")
    assert engine.tracker_events[-1] == (  # type: ignore[attr-defined]
        person.pseudonym,
        [{"event": "resume"}, {"event": "action", "name": "action_listen"}],
    )
    stored = ticket(app, person.ticket_id)
    assert stored.summary_sealed and b"shelter" not in stored.summary_sealed
    vault: Vault = app.state.desk.vault
    assert vault.open(stored.summary_sealed) == "needs shelter; wages unpaid"
    asked = len(engine.received)  # type: ignore[attr-defined]
    post_sms(gateway, person.phone, "hello again", "SMafterclose000000000000000001")
    assert len(engine.received) == asked + 1  # type: ignore[attr-defined]


def test_only_whoever_claimed_a_ticket_or_an_admin_writes_its_summary(
    app: FastAPI, gateway: TestClient
) -> None:
    """A queued ticket is open to every worker to read, but not to rewrite what its worker
    will rely on (review F19j)."""
    person = person_asking_for_help(app, gateway)
    amina, bilal, sara = (signed_in(app, name) for name in ("amina", "bilal", "sara"))

    def write(client: TestClient, text: str) -> int:
        return client.post(
            f"/console/tickets/{person.ticket_id}/summary",
            data={"csrf": csrf(client), "summary": text},
        ).status_code

    page = bilal.get(f"/console/tickets/{person.ticket_id}").text
    assert 'id="save-summary"' not in page  # queued: nothing to save yet
    assert write(bilal, "overwritten before anyone claimed it") == 403
    assert ticket(app, person.ticket_id).summary_sealed is None
    claim(amina, person)
    assert 'id="save-summary"' in amina.get(f"/console/tickets/{person.ticket_id}").text
    assert write(amina, "needs shelter") == 303
    assert write(sara, "needs shelter; wages unpaid") == 303  # an admin may correct it
    vault: Vault = app.state.desk.vault
    stored = ticket(app, person.ticket_id).summary_sealed
    assert stored is not None and vault.open(stored) == "needs shelter; wages unpaid"


def test_a_worker_cannot_reply_before_claiming(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    response = amina.post(
        f"/console/tickets/{person.ticket_id}/reply", data={"csrf": csrf(amina), "text": "hi"}
    )
    assert response.status_code == 403


def test_a_reply_to_a_telegram_user_goes_through_the_bot_api(
    app: FastAPI, gateway: TestClient, providers: FakeProviders
) -> None:
    chat = 880123456
    assert post_update(gateway, text_update("hello", chat)) == 200
    pid = pseudonym(app.state.conversations.pseudonym_key, "telegram", str(chat))
    with app.state.db.session() as session:
        ticket_id = open_ticket(session, pid, urgent=False, wants_woman_worker=None).id
    person = Person(str(chat), pid, ticket_id)
    amina = signed_in(app, "amina")
    claim(amina, person)
    assert "Telegram" in amina.get(f"/console/tickets/{ticket_id}").text
    reply(amina, person, text="I am here. Take your time.")
    assert providers.telegram_texts_to(chat)[-1] == "I am here. Take your time."
    page = amina.get(f"/console/tickets/{ticket_id}").text
    assert str(chat) not in page and " SMS" not in page.split('id="messages"')[1].split("</ol>")[0]
