"""An editor changes an Urdu text in a real headless browser (Debian's chromium), a second
person approves it, survivors read it in a new conversation, and restoring the earlier
publication brings the old text back: through the real engine, action server and gateway.
Screenshots of the pages go to test-output/ (docs/editing.md shows them).
"""

from __future__ import annotations

import httpx
import pytest

from bot.config import ROOT
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor, text_of
from tests.e2e.conftest import add_staff_member, sign_in

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
NEW_THANKS = "آپ کا شکریہ۔ جب دل چاہے، ہمیں دوبارہ لکھیں۔"


def urdu_thanks(gateway: httpx.Client) -> str:
    """What a new survivor writing in Urdu reads when they say thank you."""
    survivor = Survivor(gateway)
    survivor.onboard("ur")
    return text_of(survivor.says("شکریہ"))


def preview_the_draft(page: object, base: str) -> None:
    """Onboard as an Urdu-writing survivor in the preview, then say thank you."""
    page.goto(f"{base}/console/preview?language=ur&channel=sms")  # type: ignore[attr-defined]
    bubbles = page.locator("#preview-chat .bubble.bot")  # type: ignore[attr-defined]
    for said in ["سلام", "1", "1", "شکریہ"]:
        before = bubbles.count()
        page.fill("#preview-text", said)  # type: ignore[attr-defined]
        page.click("#preview-send")  # type: ignore[attr-defined]
        bubbles.nth(before).wait_for(timeout=30_000)  # the CSP allows no evaluated script
    last = bubbles.nth(bubbles.count() - 1)
    last.filter(has_text=NEW_THANKS).wait_for(timeout=10_000)
    assert "UCS-2" in last.inner_text()
    assert "Nastaliq" in last.evaluate("b => getComputedStyle(b).fontFamily")  # not empty boxes
    page.screenshot(path=str(OUTPUT / "console-preview.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_editor_changes_an_urdu_text_and_a_second_person_publishes_it(
    stack: Stack, gateway: httpx.Client, chromium: object
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    base = str(gateway.base_url).rstrip("/")
    add_staff_member(stack, "erum", "Erum", "editor")
    add_staff_member(stack, "sana", "Sana", "editor")
    old = urdu_thanks(gateway)
    assert NEW_THANKS not in old

    # The editor lands on the texts, finds the one to change, and writes right to left.
    erum = sign_in(chromium, base, "erum")
    erum.wait_for_url(f"{base}/console/texts")  # type: ignore[attr-defined]
    erum.fill("input[name=q]", "thank")  # type: ignore[attr-defined]
    erum.click("form.search button")  # type: ignore[attr-defined]
    erum.click("a[href='/console/texts/thank.reply']")  # type: ignore[attr-defined]
    area = erum.locator("textarea[name=text_ur]")  # type: ignore[attr-defined]
    assert area.get_attribute("dir") == "rtl"
    assert "Nastaliq" in area.evaluate("a => getComputedStyle(a).fontFamily")
    # Segments and encoding follow the typing (one Urdu letter makes the whole SMS UCS-2).
    notes = erum.locator("[data-notes-for=ur] .segments")  # type: ignore[attr-defined]
    area.fill(NEW_THANKS * 2)
    notes.filter(has_text="2 SMS segments (UCS-2)").wait_for(timeout=10_000)
    area.fill("")
    area.type(NEW_THANKS, delay=5)
    notes.filter(has_text="1 SMS segment (UCS-2)").wait_for(timeout=10_000)
    # ...and the preview shows it as the phone would, through the bot's own rendering.
    sms = erum.locator("[data-sent-for=ur] .bubble.sms")  # type: ignore[attr-defined]
    sms.filter(has_text=NEW_THANKS).wait_for(timeout=10_000)
    assert "1 × UCS-2" in sms.inner_text()
    assert NEW_THANKS in erum.inner_text("[data-sent-for=ur] .bubble.telegram")  # type: ignore[attr-defined]
    # The console's own Nastaliq font is what draws ہ, not an empty box.
    assert erum.evaluate(  # type: ignore[attr-defined]
        "document.fonts.load('16px \"Noto Nastaliq Urdu\"', 'ہ').then(f => f.length > 0)"
    )
    erum.screenshot(path=str(OUTPUT / "console-text-edit.png"), full_page=True)  # type: ignore[attr-defined]
    erum.click("button[type=submit]:has-text('Save as draft')")  # type: ignore[attr-defined]
    erum.wait_for_url(f"{base}/console/review?done=saved")  # type: ignore[attr-defined]
    # Its own author cannot approve it: no box to tick, only a note and "Withdraw".
    assert erum.locator("input[name=draft]").count() == 0  # type: ignore[attr-defined]
    assert "another person approves it" in erum.inner_text("table.drafts")  # type: ignore[attr-defined]
    assert NEW_THANKS not in urdu_thanks(gateway)  # a draft changes nothing for survivors

    # The preview talks to the real bot with the draft's wording, as an Urdu SMS phone.
    preview_the_draft(erum, base)
    assert NEW_THANKS not in urdu_thanks(gateway)  # ...and still nothing for survivors

    # A second editor approves; a new conversation reads the new text (how soon is measured
    # by `make bench`, not here: a timed test fails on a busy machine, not on a slow product).
    sana = sign_in(chromium, base, "sana")
    sana.wait_for_url(f"{base}/console/texts")  # type: ignore[attr-defined]
    sana.goto(f"{base}/console/review")  # type: ignore[attr-defined]
    assert NEW_THANKS in sana.inner_text("table.drafts")  # type: ignore[attr-defined]
    sana.click("#approve")  # type: ignore[attr-defined]
    sana.wait_for_url(f"{base}/console/history?done=published")  # type: ignore[attr-defined]
    assert NEW_THANKS in urdu_thanks(gateway)
    history = sana.inner_text("table.history")  # type: ignore[attr-defined]
    assert "Erum" in history and "Sana" in history and NEW_THANKS in history
    sana.screenshot(path=str(OUTPUT / "console-history.png"), full_page=True)  # type: ignore[attr-defined]

    # Restoring the publication before it brings the old text back, in one click.
    earlier = sana.locator("table.history tbody tr").nth(1)  # type: ignore[attr-defined]
    earlier.locator("button:has-text('Restore this version')").click()
    sana.wait_for_url(f"{base}/console/history?done=restored")  # type: ignore[attr-defined]
    assert urdu_thanks(gateway) == old

    erum.goto(f"{base}/console/texts?q=thank")  # type: ignore[attr-defined]
    erum.screenshot(path=str(OUTPUT / "console-texts.png"), full_page=True)  # type: ignore[attr-defined]
