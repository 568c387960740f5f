"""The editors' preview: the real pipeline with the drafts' wording, for a simulated person
of its own; survivors keep reading the served wording, and nothing is kept or queued."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.store import Contact, Database, PendingMessage, UnrecognisedMessage
from bot.wording.messages import BotMessage
from tests.auxil.fake_engine import FakeEngine, agreeing
from tests.console.conftest import form_token, signed_in

DRAFT = "بہت شکریہ، یہ مسودہ ہے۔"
SESSION = "0123456789abcdef"


def preview(client: TestClient, token: str, text: str, **changes: str) -> dict[str, object]:
    form = {"csrf": token, "session": SESSION, "language": "ur", "channel": "sms",
            "text": text, **changes}  # fmt: skip
    response = client.post("/console/preview/say", data=form)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def draft_thanks(app: FastAPI) -> tuple[TestClient, str]:
    erum = signed_in(app, "erum")
    page = erum.get("/console/texts/thank.reply").text
    token = form_token(page)
    texts = {"text_en": "Thank you. Write to us whenever you like.", "text_ur": DRAFT,
             "text_ur_Latn": "Shukriya. Jab chahein hamein likhein."}  # fmt: skip
    saved = erum.post("/console/texts/thank.reply", data={**texts, "csrf": token})
    assert saved.status_code == 303
    return erum, form_token(erum.get("/console/preview?language=ur").text)


def test_the_preview_reads_the_drafts_wording_and_survivors_do_not(
    editors_app: FastAPI, engine: FakeEngine
) -> None:
    erum, token = draft_thanks(editors_app)
    engine.reply = lambda body: [BotMessage("thank.reply")]
    answer = preview(erum, token, "شکریہ")
    [reply] = answer["replies"]  # type: ignore[misc]
    assert reply["text"] == DRAFT and reply["encoding"] == "UCS-2"
    assert engine.received[-1]["metadata"]["preview"] == "yes"  # the actions open no ticket
    survivor = TestClient(editors_app).post(
        "/simulator/messages", json={"channel": "sms", "from": "s-1", "text": "شکریہ"}
    )
    assert survivor.json()["replies"][0]["text"] != DRAFT
    assert "preview" not in engine.received[-1]["metadata"]


def test_a_preview_is_not_kept_for_learning_and_start_again_erases_it(
    editors_app: FastAPI, engine: FakeEngine, database: Database
) -> None:
    erum, token = draft_thanks(editors_app)
    agreeing(engine)
    preview(erum, token, "1")
    engine.reply = lambda body: [BotMessage("fallback.first", unrecognised=(("greet", 0.2),))]
    preview(erum, token, "kuch samajh nahi aya")
    with database.session() as session:
        assert session.scalars(select(UnrecognisedMessage)).all() == []
        assert len(session.scalars(select(Contact)).all()) == 1
    ended = erum.post("/console/preview/end", data={"csrf": token, "session": SESSION,
                                                    "language": "ur", "channel": "sms"})  # fmt: skip
    assert ended.status_code == 200
    with database.session() as session:
        assert session.scalars(select(Contact)).all() == []


def test_telegram_replies_carry_their_buttons(editors_app: FastAPI, engine: FakeEngine) -> None:
    erum, token = draft_thanks(editors_app)
    answer = preview(erum, token, "hello", channel="telegram", language="en")
    [menu] = answer["replies"]  # type: ignore[misc]
    assert menu["options"]  # the main menu's buttons, as Telegram shows them


def test_only_editors_preview_and_bad_input_is_refused(editors_app: FastAPI) -> None:
    amina = signed_in(editors_app, "amina")
    assert amina.get("/console/preview").status_code == 403
    erum, token = draft_thanks(editors_app)
    base = {"csrf": token, "session": SESSION, "language": "ur", "channel": "sms", "text": "hi"}
    for field, value in [("session", "../../x"), ("language", "fr"), ("channel", "fax"),
                         ("text", "   ")]:  # fmt: skip
        refused = erum.post("/console/preview/say", data={**base, field: value})
        assert refused.status_code == 422, field
    assert erum.post("/console/preview/say", data={**base, "csrf": "forged"}).status_code == 403


def test_a_preview_while_the_engine_is_down_is_never_answered_later(
    editors_app: FastAPI, engine: FakeEngine, database: Database
) -> None:
    """Answered later, it would no longer be a preview: a real ticket could open."""
    erum, token = draft_thanks(editors_app)
    agreeing(engine)
    preview(erum, token, "1")
    engine.down = True
    preview(erum, token, "mujhe kisi insaan se baat karni hai")
    with database.session() as session:
        assert session.scalars(select(PendingMessage)).all() == []


def test_the_simulator_cannot_join_an_editors_preview(editors_app: FastAPI) -> None:
    joined = TestClient(editors_app).post(
        "/simulator/messages",
        json={"channel": "sms", "from": f"preview:1:{SESSION}", "text": "hello"},
    )
    assert joined.status_code == 422
