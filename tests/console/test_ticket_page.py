"""One ticket's page: the conversation, live; every view audited; nothing identifying shown,
survivor text escaped, messages sealed in the database."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.store import TicketMessage
from tests.channels.conftest import post_sms
from tests.console.conftest import audit_actions, claim, person_asking_for_help, reply, signed_in


def test_the_persons_answer_reaches_the_ticket_not_the_bot(
    app: FastAPI, gateway: TestClient, engine: object
) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    asked = len(engine.received)  # type: ignore[attr-defined]
    post_sms(
        gateway, person.phone, "yes I am safe at my sister's", "SMreply00000000000000000000001"
    )
    assert len(engine.received) == asked  # type: ignore[attr-defined]
    fragment = amina.get(f"/console/tickets/{person.ticket_id}/messages?after=0")
    assert "yes I am safe at my sister&#39;s" in fragment.text
    assert fragment.headers["X-Ticket-Status"] == "claimed"


def test_every_view_of_a_conversation_is_audited(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    amina.get(f"/console/tickets/{person.ticket_id}")
    claim(amina, person)
    amina.get(f"/console/tickets/{person.ticket_id}")
    post_sms(gateway, person.phone, "are you there", "SMaudit0000000000000000000000001")
    amina.get(f"/console/tickets/{person.ticket_id}/messages?after=0")
    amina.get(f"/console/tickets/{person.ticket_id}/messages?after=999999")  # nothing new
    assert audit_actions(app, person.ticket_id) == [
        ("amina", "viewed conversation"),
        ("amina", "claimed"),
        ("amina", "viewed conversation"),
        ("amina", "viewed new messages"),
    ]


def test_no_page_shows_a_phone_number_chat_id_or_pseudonym(
    app: FastAPI, gateway: TestClient
) -> None:
    person = person_asking_for_help(app, gateway, urgent=True)
    amina, sara = signed_in(app, "amina"), signed_in(app, "sara")
    claim(amina, person)
    reply(amina, person, text="hello")
    post_sms(gateway, person.phone, "thank you", "SMprivacy00000000000000000000001")
    pages = [
        amina.get("/console/queue?view=mine"),
        amina.get("/console/queue/rows?view=mine"),
        amina.get(f"/console/tickets/{person.ticket_id}"),
        amina.get(f"/console/tickets/{person.ticket_id}/messages?after=0"),
        sara.get("/console/queue?view=all"),
        sara.get("/console/audit"),
    ]
    digits = person.phone.lstrip("+")
    for page in pages:
        assert page.status_code == 200, page.url
        shown = page.text + str(page.url) + str(dict(page.headers))
        assert digits not in shown and digits[-7:] not in shown, page.url
        assert person.pseudonym not in shown, page.url


def test_survivor_text_is_escaped_in_pages(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    post_sms(gateway, person.phone, "<script>alert(1)</script>", "SMxss0000000000000000000000001")
    page = amina.get(f"/console/tickets/{person.ticket_id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_messages_are_sealed_in_the_database(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    claim(signed_in(app, "amina"), person)
    post_sms(gateway, person.phone, "my employer has my passport", "SMseal000000000000000000000001")
    with app.state.db.session() as session:
        sealed = session.scalars(select(TicketMessage.text_sealed)).all()
    assert sealed and all(b"passport" not in s for s in sealed)
