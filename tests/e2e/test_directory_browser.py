"""An editor adds a service listing in a real headless browser (Debian's chromium), picks its
district from the gazetteer, verifies it by phone, and sees it verified in the list; a
survivor is pointed to it only once it is verified: through the real engine, action server
and gateway. The list's screenshot goes to test-output/directory.png (docs/editing.md
shows it as docs/images/directory.png).
"""

from __future__ import annotations

import httpx
import pytest

from bot.config import ROOT
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor, has_service_list, text_of
from tests.e2e.conftest import add_staff_member, sign_in

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
PHONE = "044-9000004"  # no other listing has it, so a survivor's answer shows whether it is in


def shelters_in_okara(gateway: httpx.Client) -> str:
    """What a new survivor writing in English reads when they ask for a shelter in Okara."""
    survivor = Survivor(gateway)
    survivor.onboard("en")
    for message in ["I need a shelter in Okara", "0", "0"]:
        replies = survivor.says(message)
        if has_service_list(replies):
            return text_of(replies)
    raise AssertionError(f"no service list within three turns: {survivor.transcript}")


def test_an_editor_adds_a_listing_verifies_it_by_phone_and_survivors_are_pointed_to_it(
    stack: Stack, gateway: httpx.Client, chromium: object
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    base = str(gateway.base_url).rstrip("/")
    add_staff_member(stack, "nadia", "Nadia", "editor")

    nadia = sign_in(chromium, base, "nadia")
    nadia.wait_for_url(f"{base}/console/texts")  # type: ignore[attr-defined]
    nadia.click("nav a:has-text('Directory')")  # type: ignore[attr-defined]
    nadia.wait_for_url(f"{base}/console/directory")  # type: ignore[attr-defined]
    nadia.click("a:has-text('Add a listing')")  # type: ignore[attr-defined]
    nadia.fill("input[name=name_en]", "Okara women's shelter")  # type: ignore[attr-defined]
    urdu = nadia.locator("input[name=name_ur]")  # type: ignore[attr-defined]
    assert urdu.get_attribute("dir") == "rtl"
    assert "Nastaliq" in urdu.evaluate("a => getComputedStyle(a).fontFamily")
    urdu.fill("اوکاڑہ دارالامان")
    nadia.fill("input[name=name_ur_Latn]", "Okara darul aman")  # type: ignore[attr-defined]
    nadia.check("input[name=service_type][value=shelter]")  # type: ignore[attr-defined]
    nadia.check("input[name=scope][value=district]")  # type: ignore[attr-defined]
    # The district box offers the gazetteer's districts as the editor types.
    offered = nadia.locator("#district-names option[value=Okara]")  # type: ignore[attr-defined]
    assert offered.count() == 1 and "Punjab" in offered.inner_text()
    nadia.locator("input[name=district]").first.fill("Okara")  # type: ignore[attr-defined]
    nadia.fill("textarea[name=phones]", PHONE)  # type: ignore[attr-defined]
    nadia.fill("input[name=hours]", "24/7")  # type: ignore[attr-defined]
    nadia.click("#save")  # type: ignore[attr-defined]
    nadia.wait_for_url(f"{base}/console/directory/okara-womens-shelter?done=added")  # type: ignore[attr-defined]
    assert "draft" in nadia.inner_text(".standing .state")  # type: ignore[attr-defined]
    assert PHONE not in shelters_in_okara(gateway)  # a draft reaches no survivor

    # Verified by phone: survivors are pointed to it at once.
    nadia.select_option("#how", "phone call")  # type: ignore[attr-defined]
    nadia.fill("input[name=note]", "The warden answered; number and hours right")  # type: ignore[attr-defined]
    nadia.click("#verify")  # type: ignore[attr-defined]
    nadia.wait_for_url(f"{base}/console/directory/okara-womens-shelter?done=verified")  # type: ignore[attr-defined]
    history = nadia.inner_text("table.listing-history")  # type: ignore[attr-defined]
    assert "Nadia" in history and "by phone call" in history
    assert PHONE in shelters_in_okara(gateway)

    nadia.goto(f"{base}/console/directory?district=Okara")  # type: ignore[attr-defined]
    row = nadia.locator("tr[data-listing=okara-womens-shelter]")  # type: ignore[attr-defined]
    assert row.locator(".state").inner_text() == "verified"
    assert "last verified by Nadia" in row.inner_text()
    assert row.locator(".urdu").get_attribute("dir") == "rtl"
    nadia.screenshot(path=str(OUTPUT / "directory.png"), full_page=True)  # type: ignore[attr-defined]
