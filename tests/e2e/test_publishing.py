"""Publishing into the running stack: wording without retraining, a model without downtime."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from bot.editing.publish import MODEL, load_model, publish
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


def test_a_message_in_flight_during_a_model_swap_is_answered(
    stack: Stack, gateway: httpx.Client
) -> None:
    """Rasa loads a new model in its request loop, so messages arriving meanwhile wait. Each
    gets an answer: at once, or the holding line (with the emergency numbers) at once and
    the real answer as soon as the new model serves. None is lost."""
    survivors = [Survivor(gateway) for _ in range(3)]
    for survivor in survivors:
        survivor.onboard("en")
    swap_done = threading.Event()
    sent: dict[str, list[str]] = {s.address: [] for s in survivors}

    def keep_talking(survivor: Survivor) -> None:
        while not swap_done.is_set():
            sent[survivor.address].append(text_of(survivor.says("I need a lawyer in Multan")))

    talkers = [threading.Thread(target=keep_talking, args=(s,)) for s in survivors]
    for talker in talkers:
        talker.start()
    time.sleep(0.5)
    try:
        load_model(stack.settings, MODEL)  # the same model file, loaded anew: a real swap
    finally:
        swap_done.set()
        for talker in talkers:
            talker.join(timeout=120)

    deadline = time.monotonic() + 60
    while gateway.get("/healthz").json()["waiting_messages"] and time.monotonic() < deadline:
        time.sleep(0.5)
    for survivor in survivors:
        answers = sent[survivor.address]
        held = sum("as soon as we can" in a for a in answers)
        later = gateway.get(f"/simulator/messages/{survivor.address}").json()["replies"]
        later_answers = sum("Services near Multan" in r["text"] for r in later)
        answered_at_once = sum("Services near Multan" in a for a in answers)
        assert answered_at_once + held == len(answers)
        assert later_answers == held, f"{held} held, {later_answers} answered later"
