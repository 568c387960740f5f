"""Publishing into the running stack: wording without retraining (a model swap without
downtime: tests/e2e/test_model_swap.py)."""

from __future__ import annotations

import httpx
import pytest

from bot.editing.publish import publish
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor, text_of
from tests.editing.conftest import edit

pytestmark = pytest.mark.e2e

NEW_SENTENCE = "بہت شکریہ۔ آپ جب چاہیں ہمیں لکھ سکتے ہیں۔"


def test_a_published_urdu_sentence_reaches_the_next_message(
    stack: Stack, gateway: httpx.Client
) -> None:
    survivor = Survivor(gateway)
    survivor.onboard("ur")
    before = text_of(survivor.says("شکریہ"))
    assert NEW_SENTENCE not in before
    edit(
        stack.settings.locales_dir / "ur" / "LC_MESSAGES" / "messages.po",
        "thank.reply",
        NEW_SENTENCE,
    )
    assert NEW_SENTENCE not in text_of(survivor.says("شکریہ"))  # edited, not yet published
    assert publish(stack.settings, by="Editor (e2e)", rasa_check=False).ok
    assert NEW_SENTENCE in text_of(survivor.says("شکریہ"))  # how soon: `make bench`
