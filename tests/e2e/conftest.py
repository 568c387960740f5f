"""One real stack for the whole test session: Rasa on the trained model, the action server,
and the gateway, each a real process on a free port, sharing throwaway SQLite files."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import Environment, Settings
from bot.stack import MODEL, Ports, Stack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it before the tests run")
    workdir: Path = tmp_path_factory.mktemp("stack")
    settings = Settings(
        environment=Environment.TEST,
        database_url=f"sqlite:///{workdir / 'rahnuma.db'}",
        tracker_db_url=f"sqlite:///{workdir / 'tracker.db'}",
    )
    running = Stack(settings, Ports(_free_port(), _free_port(), _free_port()), workdir=workdir)
    try:
        running.start()
        running.wait_healthy(timeout=240)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports.gateway}", timeout=30) as client:
        yield client
