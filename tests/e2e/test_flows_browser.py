"""An editor changes a topic's choices in a real headless browser (Debian's chromium), a
second person approves it, and a survivor's next conversation has the new menu: through the
real engine, action server and gateway, with nothing restarted. Putting it back from the
history brings the old menu back. Screenshots go to test-output/ (docs/editing.md shows one).

The stack is this module's own, on a copy of content/: approving rewrites info.yml.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT, Environment, Settings
from bot.ops.stack import MODEL, Ports, Stack
from tests.auxil.providers import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProviders,
)
from tests.auxil.services import free_port
from tests.auxil.survivor import Survivor
from tests.conftest import write_always_staffed
from tests.e2e.conftest import PASSWORD, add_staff_member

pytestmark = pytest.mark.e2e

OUTPUT = ROOT / "test-output"
TO_CHILDREN = ["2", "1", "3", "4"]  # Information, What it means, Women and girls, Children


@pytest.fixture(scope="module")
def flows_stack(
    tmp_path_factory: pytest.TempPathFactory, providers: FakeProviders
) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before the tests run")
    workdir: Path = tmp_path_factory.mktemp("flows-stack")
    shutil.copytree(ROOT / "locales", workdir / "locales", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copytree(ROOT / "content", workdir / "content")
    ports = Ports(free_port(), free_port(), free_port())
    settings = Settings(
        environment=Environment.TEST,
        database_url=f"sqlite:///{workdir / 'rahnuma.db'}",
        tracker_db_url=f"sqlite:///{workdir / 'tracker.db'}",
        public_url=f"http://127.0.0.1:{ports.gateway}",
        rasa_url=f"http://127.0.0.1:{ports.engine}",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+15005550006",
        twilio_api_url=f"{providers.url}/twilio",
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=f"{providers.url}/telegram/bot",
        locales_dir=workdir / "locales",
        published_dir=workdir / "published",
        content_dir=workdir / "content",
        staff_hours_file=write_always_staffed(workdir),
    )
    running = Stack(settings, ports, workdir=workdir)
    try:
        running.start()
        running.wait_healthy(timeout=240)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def simulator(flows_stack: Stack) -> Iterator[httpx.Client]:
    base = f"http://127.0.0.1:{flows_stack.ports.gateway}"
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


def children_menu(gateway: httpx.Client) -> str:
    """The menu a new survivor reads after opening the topic about children."""
    survivor = Survivor(gateway)
    survivor.onboard("1")
    replies = [{"text": ""}]
    for digit in TO_CHILDREN:
        replies = survivor.says(digit)
    return str(replies[-1]["text"])


def sign_in(browser: object, base: str, username: str) -> object:
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{base}/console/texts")
    return page


def test_an_editor_changes_a_menu_and_a_second_person_publishes_it(
    flows_stack: Stack, simulator: httpx.Client, chromium: object
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    base = str(simulator.base_url).rstrip("/")
    add_staff_member(flows_stack, "erum", "Erum", "editor")
    add_staff_member(flows_stack, "sana", "Sana", "editor")
    before = children_menu(simulator)
    assert "2 Find help near you" in before and "A free lawyer" not in before

    # The editor finds the topic in the tree and replaces its second choice.
    erum = sign_in(chromium, base, "erum")
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
    assert children_menu(simulator) == before  # a draft changes nothing for survivors

    # A second editor approves; the next conversation has the new menu, nothing restarted.
    sana = sign_in(chromium, base, "sana")
    sana.goto(f"{base}/console/review")  # type: ignore[attr-defined]
    assert "A free lawyer" in sana.inner_text("table.flow-drafts")  # type: ignore[attr-defined]
    started = time.monotonic()
    sana.click("button.approve-flow")  # type: ignore[attr-defined]
    sana.wait_for_url(f"{base}/console/flows?done=published")  # type: ignore[attr-defined]
    assert "A free lawyer" in sana.inner_text("#topic-children")  # type: ignore[attr-defined]
    after = children_menu(simulator)
    assert "2 A free lawyer" in after
    live_after = time.monotonic() - started
    assert live_after < 15.0, f"approval to a survivor reading it took {live_after:.1f}s"

    # Putting it back from the history restores the old menu at once.
    sana.goto(f"{base}/console/history")  # type: ignore[attr-defined]
    newest = sana.locator("table.history tbody tr").first  # type: ignore[attr-defined]
    assert newest.locator("button:has-text('Restore this version')").count() == 0
    newest.locator("button:has-text('Put these topics back as before')").click()
    sana.wait_for_url(f"{base}/console/history?done=restored")  # type: ignore[attr-defined]
    assert children_menu(simulator) == before
