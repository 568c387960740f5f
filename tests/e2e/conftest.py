"""One real stack for the whole test session: Rasa on the trained model, the action server,
and the gateway, each a real process on a free port, sharing throwaway SQLite files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from bot.config import ROOT, Environment, Settings
from bot.editing.measurement import quality_file
from bot.ops.stack import MODEL, Ports, Stack
from tests.auxil.providers import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProviders,
    serve_providers,
)
from tests.auxil.services import free_port
from tests.conftest import write_always_staffed
from tests.e2e.scaled_stack import scaled  # noqa: F401 - one for the session, in two modules


@pytest.fixture(scope="session")
def providers() -> Iterator[FakeProviders]:
    """Twilio's and Telegram's servers, faked over HTTP for the gateway process."""
    fakes = FakeProviders()
    with serve_providers(fakes, free_port()) as url:
        fakes.url = url
        yield fakes


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, providers: FakeProviders) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before the tests run")
    workdir: Path = tmp_path_factory.mktemp("stack")
    # A working copy of the catalogs, so publishing tests change nothing in the repository.
    shutil.copytree(ROOT / "locales", workdir / "locales", ignore=shutil.ignore_patterns("*.mo"))
    # The learner too: the console's retraining goes through it, as in docker-compose.
    ports = Ports(free_port(), free_port(), free_port(), learner=free_port())
    fake_url = providers.url
    settings = Settings(
        environment=Environment.TEST,
        database_url=f"sqlite:///{workdir / 'rahnuma.db'}",
        tracker_db_url=f"sqlite:///{workdir / 'tracker.db'}",
        public_url=f"http://127.0.0.1:{ports.gateway}",
        rasa_url=f"http://127.0.0.1:{ports.engine}",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+15005550006",
        twilio_api_url=f"{fake_url}/twilio",
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=f"{fake_url}/telegram/bot",
        redelivery_interval_seconds=1.0,
        locales_dir=workdir / "locales",
        published_dir=workdir / "published",
        staff_hours_file=write_always_staffed(workdir),  # answers don't depend on the hour
        # Copies: approving flows rewrites info.yml, retraining from the console writes
        # examples and replaces the model.
        content_dir=_copy(ROOT / "content", workdir / "content"),
        dialogues_dir=_copy(ROOT / "dialogues", workdir / "dialogues"),
        model_file=_copy_model(workdir / "models"),
        learner_url=f"http://127.0.0.1:{ports.learner}",
        retrain_epoch_fraction=0.25,  # test_learning: the console's loop, minutes sooner
    )
    running = Stack(settings, ports, workdir=workdir, model=settings.model_file)
    try:
        running.start()
        running.wait_healthy(timeout=240)
        yield running
    finally:
        running.stop()


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _copy_model(folder: Path) -> Path:
    """The trained model and the figures kept beside it (measuring again takes a minute)."""
    folder.mkdir()
    shutil.copy(MODEL, folder / MODEL.name)
    if quality_file(MODEL).exists():
        shutil.copy(quality_file(MODEL), quality_file(folder / MODEL.name))
    return folder / MODEL.name


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports.gateway}", timeout=30) as client:
        yield client


CHROMIUM = os.environ.get("RAHNUMA_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "a long password for the test"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (which downloads no browser).

    Per module, never per session: Playwright's sync API runs an event loop in the main
    thread while it is open, and every later `asyncio.run` (the content check's walks)
    would fail with "cannot be called from a running event loop"."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-tools` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # No sandbox: CI runs as root, where chromium refuses its sandbox.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


def add_staff_member(stack: Stack, username: str, name: str, role: str) -> None:
    """Through the real command line, as an admin would."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "add", username, "--name", name,
         "--role", role, "--password-stdin"],
        input=PASSWORD + "\n", env=stack.env(), cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


SIGNED_IN = re.compile(r".*/console/(texts|queue)(\?.*)?$")


def sign_in(browser: object, base: str, username: str, *, totp_secret: str = "") -> object:
    """A new browser context on the console's sign-in page, signed in as `username`: with
    the password, then, for an account with two-step sign-in, its app's current code.

    Staff made by the tests have no two-step sign-in, and the test environment does not
    require it (RAHNUMA_REQUIRE_TWO_FACTOR is off outside production)."""
    page = browser.new_context().new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    if totp_secret:
        page.wait_for_url(f"{base}/console/login/code")
        page.fill("#code", unused_code(totp_secret))
        page.click("#send-code")
    page.wait_for_url(SIGNED_IN)  # editors land on the texts, workers and admins on the queue
    return page


_USED_STEPS: dict[str, int] = {}


def unused_code(totp_secret: str) -> str:
    """The authenticator app's code now; if this code was typed already, the next one (the
    console takes each code once), waiting up to one 30-second step for it."""
    totp = pyotp.TOTP(totp_secret)
    while (step := totp.timecode(time.time())) <= _USED_STEPS.get(totp_secret, -1):
        time.sleep(0.5)
    _USED_STEPS[totp_secret] = step
    return totp.generate_otp(step)
