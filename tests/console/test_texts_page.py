"""The editors' text page: a refused draft keeps what was typed, and saves nothing."""

from __future__ import annotations

import html

from fastapi import FastAPI

from bot.editing.drafts import open_drafts
from bot.store import Database
from tests.console.conftest import form_token, signed_in


def test_a_refused_draft_keeps_every_box_as_typed_and_saves_nothing(
    editors_app: FastAPI, database: Database
) -> None:
    erum = signed_in(editors_app, "erum")
    token = form_token(erum.get("/console/texts/thank.reply").text)
    typed = {
        "text_en": "Thank you, write to us whenever you like.",
        "text_ur": "شکریہ {name}",  # a placeholder English does not have
        "text_ur_Latn": "Shukriya, jab chahein likhein.",
    }
    response = erum.post("/console/texts/thank.reply", data={**typed, "csrf": token})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Placeholders must be exactly those of the English text" in page
    assert all(text in page for text in typed.values())  # nothing typed is lost
    with database.session() as session:
        assert open_drafts(session) == []  # and nothing half-saved
    saved = erum.post("/console/texts/thank.reply", data={**typed, "text_ur": "بہت شکریہ۔",
                                                          "csrf": token})  # fmt: skip
    assert (saved.status_code, saved.headers["location"]) == (303, "/console/review?done=saved")
    with database.session() as session:
        assert sorted(d.language for d in open_drafts(session)) == ["en", "ur", "ur_Latn"]
