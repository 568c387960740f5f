"""An editor changes a topic's choices in a real headless browser (Debian's chromium), a
second person approves it, and a survivor's next conversation has the new menu: through the
real engine, action server and gateway, with nothing restarted. Putting it back from the
history brings the old menu back. Screenshots go to test-output/ (docs/editing.md shows one).

The shared stack serves a copy of content/ (approving rewrites info.yml); the test puts
the menu back at its end.
"""

from __future__ import annotations

import httpx
import pytest

from bot.config import ROOT
from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor
from tests.e2e.conftest import add_staff_member, sign_in

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
TO_CHILDREN = ["2", "1", "3", "4"]  # Information, What it means, Women and girls, Children


def children_menu(gateway: httpx.Client) -> str:
    """The menu a new survivor reads after opening the topic about children."""
    survivor = Survivor(gateway)
    survivor.onboard("en")
    replies = [{"text": ""}]
    for digit in TO_CHILDREN:
        replies = survivor.says(digit)
    return str(replies[-1]["text"])


def test_an_editor_changes_a_menu_and_a_second_person_publishes_it(
    stack: Stack, gateway: httpx.Client, chromium: object
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    base = str(gateway.base_url).rstrip("/")
    add_staff_member(stack, "fiza", "Fiza", "editor")  # the shared stack has erum
    add_staff_member(stack, "hina", "Hina", "editor")
    before = children_menu(gateway)
    assert "2 Find help near you" in before and "A free lawyer" not in before

    # The editor finds the topic in the tree and replaces its second choice.
    erum = sign_in(chromium, base, "fiza")
    erum.click("nav a:has-text('Flows')")  # type: ignore[attr-defined]
    erum.wait_for_url(f"{base}/console/flows")  # type: ignore[attr-defined]
    assert "What it means" in erum.inner_text("#topic-overview")  # type: ignore[attr-defined]
    erum.screenshot(path=str(OUTPUT / "flows.png"), full_page=False)  # type: ignore[attr-defined]
    erum.click("#topic-children h2 a")  # type: ignore[attr-defined]
    erum.wait_for_url(f"{base}/console/flows/children")  # type: ignore[attr-defined]
    assert erum.locator("select[name^=choice_]").count() == 4  # type: ignore[attr-defined]
    erum.select_option("select[name=choice_2]", "legal_aid")  # type: ignore[attr-defined]
    erum.screenshot(path=str(OUTPUT / "flow-edit.png"), full_page=True)  # type: ignore[attr-defined]
    erum.click("button:has-text('Save as draft')")  # type: ignore[attr-defined]
    erum.wait_for_url(f"{base}/console/review?done=saved")  # type: ignore[attr-defined]
    assert erum.locator("button.approve-flow").count() == 0  # type: ignore[attr-defined]
    assert "another person approves it" in erum.inner_text("table.flow-drafts")  # type: ignore[attr-defined]
    assert children_menu(gateway) == before  # a draft changes nothing for survivors

    # A second editor approves; the next conversation has the new menu, nothing restarted.
    sana = sign_in(chromium, base, "hina")
    sana.goto(f"{base}/console/review")  # type: ignore[attr-defined]
    assert "A free lawyer" in sana.inner_text("table.flow-drafts")  # type: ignore[attr-defined]
    sana.click("button.approve-flow")  # type: ignore[attr-defined]
    sana.wait_for_url(f"{base}/console/flows?done=published")  # type: ignore[attr-defined]
    assert "A free lawyer" in sana.inner_text("#topic-children")  # type: ignore[attr-defined]
    assert "2 A free lawyer" in children_menu(gateway)  # how soon: `make bench`, not here

    # Putting it back from the history restores the old menu at once.
    sana.goto(f"{base}/console/history")  # type: ignore[attr-defined]
    newest = sana.locator("table.history tbody tr").first  # type: ignore[attr-defined]
    assert newest.locator("button:has-text('Restore this version')").count() == 0
    newest.locator("button:has-text('Put these topics back as before')").click()
    sana.wait_for_url(f"{base}/console/history?done=restored")  # type: ignore[attr-defined]
    assert children_menu(gateway) == before
