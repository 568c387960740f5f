"""Working a ticket in the console: queues, claim, reply through the person's channel,
canned replies, summary, close; who may open what; the audit log; nothing identifying."""

from __future__ import annotations

import re
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console.security import CONTENT_SECURITY_POLICY
from bot.handoff.queue import open_ticket
from bot.privacy.identity import Vault, pseudonym
from bot.store import AuditEntry, Contact, StaffMember, TicketMessage, TicketStatus
from bot.wording.catalogs import Catalogs
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import post_sms
from tests.channels.test_telegram import post_update, text_update
from tests.console.conftest import (
    Person,
    csrf,
    person_asking_for_help,
    signed_in,
    ticket,
)


def claim(client: TestClient, person: Person) -> None:
    response = client.post(
        f"/console/tickets/{person.ticket_id}/claim", data={"csrf": csrf(client)}
    )
    assert response.status_code == 303


def claimed_by_amina(app: FastAPI, gateway: TestClient) -> tuple[Person, TestClient]:
    """A person waiting for a worker, and Amina signed in with their ticket claimed."""
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    return person, amina


def reply(client: TestClient, person: Person, **form: str) -> str:
    response = client.post(
        f"/console/tickets/{person.ticket_id}/reply", data={"csrf": csrf(client), **form}
    )
    assert response.status_code == 303
    return response.headers["location"]


def audit_actions(app: FastAPI, ticket_id: int) -> list[tuple[str, str]]:
    with app.state.db.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.ticket_id == ticket_id).order_by(AuditEntry.id)
        ).all()
    return [(e.staff_username, e.action) for e in entries]


def test_the_queue_lists_emergencies_first_with_the_wish_for_a_woman(
    app: FastAPI, gateway: TestClient
) -> None:
    calm = person_asking_for_help(app, gateway)
    urgent = person_asking_for_help(app, gateway, urgent=True, woman=True)
    page = signed_in(app, "amina").get("/console/queue").text
    rows = re.findall(r'data-ticket="(\d+)"', page)
    assert rows == [str(urgent.ticket_id), str(calm.ticket_id)]
    assert "EMERGENCY" in page and "woman worker asked for" in page
    assert "SMS" in page and "(en)" in page


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


def test_a_worker_cannot_open_someone_elses_ticket(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina, bilal = signed_in(app, "amina"), signed_in(app, "bilal")
    assert bilal.get(f"/console/tickets/{person.ticket_id}").status_code == 200  # unassigned
    claim(amina, person)
    token = csrf(bilal)
    for method, url, form in [
        ("GET", f"/console/tickets/{person.ticket_id}", None),
        ("GET", f"/console/tickets/{person.ticket_id}/messages?after=0", None),
        ("POST", f"/console/tickets/{person.ticket_id}/reply", {"text": "hi"}),
        ("POST", f"/console/tickets/{person.ticket_id}/summary", {"summary": "x"}),
        ("POST", f"/console/tickets/{person.ticket_id}/close", {}),
        ("POST", f"/console/tickets/{person.ticket_id}/claim", {}),
    ]:
        data = {"csrf": token, **form} if form is not None else None
        response = bilal.request(method, url, data=data)
        assert response.status_code == 404, (method, url)
    assert bilal.get("/console/tickets/99999").status_code == 404  # same answer: nothing learnt
    assert ("bilal", "refused: not their ticket") in audit_actions(app, person.ticket_id)
    assert f'data-ticket="{person.ticket_id}"' not in bilal.get("/console/queue").text
    assert bilal.get("/console/queue?view=all").text.count("data-ticket=") == 0  # not admin


def test_a_worker_cannot_reply_before_claiming(app: FastAPI, gateway: TestClient) -> None:
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    response = amina.post(
        f"/console/tickets/{person.ticket_id}/reply", data={"csrf": csrf(amina), "text": "hi"}
    )
    assert response.status_code == 403


def test_an_admin_sees_all_tickets_the_audit_log_and_staff(
    app: FastAPI, gateway: TestClient
) -> None:
    person = person_asking_for_help(app, gateway)
    claim(signed_in(app, "amina"), person)
    sara = signed_in(app, "sara")
    assert f'data-ticket="{person.ticket_id}"' in sara.get("/console/queue?view=all").text
    assert sara.get(f"/console/tickets/{person.ticket_id}").status_code == 200
    log = sara.get("/console/audit").text
    assert "claimed" in log and "viewed conversation" in log
    assert "bilal" in sara.get("/console/staff").text


def test_roles_keep_to_their_pages(app: FastAPI, gateway: TestClient) -> None:
    amina, erum = signed_in(app, "amina"), signed_in(app, "erum")
    assert amina.get("/console/audit").status_code == 403
    assert amina.get("/console/staff").status_code == 403
    assert erum.get("/console/queue").status_code == 403  # editors don't read conversations


def test_an_admin_adds_staff_with_a_strong_password_only(app: FastAPI, gateway: TestClient) -> None:
    sara = signed_in(app, "sara")
    form = {"username": "zara", "display_name": "Zara", "role": "worker"}
    weak = sara.post("/console/staff", data={**form, "password": "short", "csrf": csrf(sara)})
    assert weak.headers["location"].endswith("done=policy")
    strong = {**form, "password": "a sufficiently long one", "csrf": csrf(sara)}
    assert sara.post("/console/staff", data=strong).headers["location"].endswith("added")
    again = sara.post("/console/staff", data={**strong, "csrf": csrf(sara)})
    assert again.headers["location"].endswith("done=invalid")  # the name is taken
    with app.state.db.session() as session:
        assert session.scalars(select(StaffMember).where(StaffMember.username == "zara")).one()


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


def test_console_pages_carry_strict_security_headers(app: FastAPI, gateway: TestClient) -> None:
    amina = signed_in(app, "amina")
    for url in ["/console/login", "/console/queue"]:
        headers = amina.get(url).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(app: FastAPI, gateway: TestClient) -> None:
    """The CSP forbids them; one would silently break the page in a real browser."""
    person = person_asking_for_help(app, gateway)
    amina = signed_in(app, "amina")
    claim(amina, person)
    for url in ["/console/queue", f"/console/tickets/{person.ticket_id}", "/console/login"]:
        html = amina.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html and "<style" not in html and " on" + "click=" not in html


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
