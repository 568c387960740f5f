"""Beyond one machine, started once per test session: two Rasa replicas sharing a PostgreSQL
tracker store and the Redis lock store, the action server, and two gateways sharing
PostgreSQL. The scale-out tests and the fault tests (which kill and restart its parts) share it.

PostgreSQL is a server of the session's own (tests/auxil/postgres_cluster.py), so that the
fault tests can restart it under load without touching the machine's server; where its
binaries can't run, the machine's server (DATABASE_URL) serves, and the restart test skips.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from bot.config import ROOT, Environment, Settings
from bot.ops.stack import Ports, Stack
from bot.wording.catalogs import Catalogs
from tests.auxil.postgres_cluster import PostgresCluster, can_run_postgres, postgres_cluster
from tests.auxil.providers import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProviders,
)
from tests.auxil.services import free_port, fresh_postgres_database
from tests.conftest import HAS_POSTGRES, POSTGRES_URL, write_always_staffed

REDIS_URL = os.environ.get("RAHNUMA_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASE = "rahnuma_scale_out"


@dataclass
class ScaledOut:
    stack: Stack  # actions, two engines, gateway 1
    second: Stack  # gateway 2, the same engines in the other order
    one: httpx.Client
    two: httpx.Client
    postgres: PostgresCluster | None  # None: the machine's server, which we don't restart


@pytest.fixture(scope="session")
def scaled(
    tmp_path_factory: pytest.TempPathFactory, providers: FakeProviders
) -> Iterator[ScaledOut]:
    if not can_run_postgres() and not HAS_POSTGRES:
        pytest.skip("needs PostgreSQL: its binaries, or DATABASE_URL pointing at a server")
    workdir: Path = tmp_path_factory.mktemp("scale-out")
    shutil.copytree(ROOT / "locales", workdir / "locales", ignore=shutil.ignore_patterns("*.mo"))
    with ExitStack() as cleanup:
        cluster = None
        if can_run_postgres():
            cluster = cleanup.enter_context(postgres_cluster(free_port()))
        url = fresh_postgres_database(cluster.url if cluster else POSTGRES_URL, DATABASE)
        ports = Ports(free_port(), free_port(), free_port(), more_engines=(free_port(),))
        settings = _settings(url, ports, workdir, providers)
        stack = Stack(settings, ports, workdir=workdir)
        reversed_ports = Ports(free_port(), ports.more_engines[0], ports.actions, (ports.engine,))
        second = Stack(settings, reversed_ports, workdir=workdir / "second")
        cleanup.callback(stack.stop)
        cleanup.callback(second.stop)  # first: the last added runs first
        stack.start(engine=False, gateway=False)
        # One after the other: both would create the tracker's table at once. Rasa creates it
        # before it loads the model, so the second need not wait for the first to load.
        stack.start_engine(only=1)
        wait_for_tracker_table(stack, url)
        stack.start_engine(only=2)
        stack.start(engine=False, actions=False)
        stack.wait_healthy(timeout=600)
        second.start(engine=False, actions=False)
        second.wait_healthy(timeout=300)
        one = cleanup.enter_context(
            httpx.Client(base_url=f"http://127.0.0.1:{ports.gateway}", timeout=60)
        )
        two = cleanup.enter_context(
            httpx.Client(base_url=f"http://127.0.0.1:{reversed_ports.gateway}", timeout=60)
        )
        yield ScaledOut(stack, second, one, two, cluster)


def _settings(url: str, ports: Ports, workdir: Path, providers: FakeProviders) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=url,
        tracker_db_url=url,
        redis_url=REDIS_URL,
        public_url=f"http://127.0.0.1:{ports.gateway}",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+15005550006",
        twilio_api_url=f"{providers.url}/twilio",
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_url=f"{providers.url}/telegram/bot",
        redelivery_interval_seconds=1.0,
        # Beside the other tests' engines, and a retraining, on two cores: a turn can take
        # longer than production's 8 s, and these tests prove what is lost, not how fast.
        engine_timeout_seconds=30.0,
        locales_dir=workdir / "locales",
        published_dir=workdir / "published",
        staff_hours_file=write_always_staffed(workdir),
    )


def wait_for_tracker_table(stack: Stack, url: str, timeout: float = 240.0) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while not inspect(engine).has_table("events"):
            if stack.processes["engine"].poll() is not None:
                raise RuntimeError(f"engine exited:\n{stack.log_tail('engine')}")
            if time.monotonic() > deadline:
                raise TimeoutError("the first engine made no tracker table")
            time.sleep(0.5)
    finally:
        engine.dispose()


def whole(scaled: ScaledOut) -> None:
    """Every part running again (an earlier test may have killed one), and each engine past
    its first turn: a restarted engine's first turns are slow (its model warms up)."""
    for number in (1, 2):
        if scaled.stack.engine_name(number) not in scaled.stack.processes:
            scaled.stack.start_engine(only=number)
    if "gateway" not in scaled.stack.processes:
        scaled.stack.start(engine=False, actions=False)
    scaled.stack.wait_healthy(timeout=600)
    for number, url in enumerate(scaled.stack.engine_urls(), start=1):
        body = {"sender": f"warm-up-{number}", "message": "hello"}
        httpx.post(f"{url}/webhooks/rest/webhook", json=body, timeout=120).raise_for_status()


def simulate(gateway: httpx.Client, sender: str, words: str) -> list[str]:
    response = gateway.post(
        "/simulator/messages", json={"channel": "sms", "from": sender, "text": words}
    )
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def answered(gateway: httpx.Client) -> dict[str, int]:
    engines = gateway.get("/healthz").json()["engines"]
    return {number: engine["answered"] for number, engine in engines.items()}


# Either holding answer: the message kept for later, or (without a yes to keeping) not kept.
HOLDING_LINES = {
    Catalogs(ROOT / "locales").render("en", key)
    for key in ("engine.unavailable", "engine.unavailable_not_kept")
}
