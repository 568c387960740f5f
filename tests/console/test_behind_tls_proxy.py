"""The gateway behind the production TLS proxy: deploy/Caddyfile run by a real Caddy in front
of the gateway served by uvicorn, as in docker-compose.yml (plain HTTP here: the certificate
is Caddy's own business, and can't be had without the internet).

Each browser connects from its own loopback address, so Caddy names a different client in
X-Forwarded-For for each, as it would for staff in different places.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.config import ROOT, Settings
from bot.console.auth import FAILURES_PER_CLIENT
from bot.store import Database
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.auxil.services import free_port, serve_in_thread
from tests.console.conftest import (
    add_staff_accounts,
    make_app,
    person_asking_for_help,
    sign_in,
)

CADDYFILE = ROOT / "deploy" / "Caddyfile"


@pytest.fixture
def gateway_app(
    channel_settings: Settings, providers: FakeProviders, engine: FakeEngine, database: Database
) -> Iterator[FastAPI]:
    """The gateway on a real port, believing X-Forwarded-For only from the proxy (loopback)."""
    app = make_app(channel_settings, providers, engine, database, trusted_proxies="127.0.0.1")
    port = free_port()
    with serve_in_thread(app, port, proxy_headers=False):
        app.state.port = port
        add_staff_accounts(app)
        yield app


@pytest.fixture
def proxy(gateway_app: FastAPI, tmp_path: Path) -> Iterator[str]:
    """Caddy running deploy/Caddyfile itself in front of the gateway; its URL."""
    with caddy_in_front_of(gateway_app.state.port, tmp_path) as url:
        yield url


@contextlib.contextmanager
def caddy_in_front_of(upstream_port: int, tmp_path: Path) -> Iterator[str]:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.fail("no `caddy`: `make test-tools` installs Debian's")
    port, admin = free_port(), free_port()
    # Only what a test needs on top of the production file: local ports, nothing on :2019.
    config = tmp_path / "Caddyfile"
    config.write_text(
        f"{{\n\tadmin 127.0.0.1:{admin}\n\tdefault_bind 127.0.0.1\n\tgrace_period 1s\n}}\n"
        f"import {CADDYFILE}\n"
    )
    env = {
        **os.environ,
        "RAHNUMA_DOMAIN": f"http://127.0.0.1:{port}",
        "RAHNUMA_GATEWAY": f"127.0.0.1:{upstream_port}",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    log = tmp_path / "caddy.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
            env=env, stdout=sink, stderr=sink,
        )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "caddy did not listen"
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


BrowserAt = Callable[[str], httpx.Client]


@pytest.fixture
def browser_at(proxy: str) -> Iterator[BrowserAt]:
    """Browsers connecting to the proxy from a given address (any 127.x.y.z is this machine)."""
    opened: list[httpx.Client] = []

    def browser(address: str) -> httpx.Client:
        client = httpx.Client(
            base_url=proxy,
            transport=httpx.HTTPTransport(local_address=address),
            headers={"accept": "text/html"},
            follow_redirects=False,
            timeout=10,
        )
        opened.append(client)
        return client

    yield browser
    for client in opened:
        client.close()


def test_one_guesser_does_not_lock_every_worker_out(browser_at: BrowserAt) -> None:
    for number in range(FAILURES_PER_CLIENT):
        # A forged X-Forwarded-For changes nothing: Caddy puts the real address in its place.
        guesser = browser_at("127.0.0.66")
        guesser.headers["x-forwarded-for"] = f"198.51.100.{number}"
        sign_in(guesser, f"user{number}", "guess")
    assert sign_in(browser_at("127.0.0.66"), "amina").status_code == 429
    worker = sign_in(browser_at("127.0.0.7"), "amina")
    assert worker.headers["location"] == "/console/queue"


def test_security_headers_reach_the_browser_with_hsts(browser_at: BrowserAt) -> None:
    page = browser_at("127.0.0.7").get("/console/login")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert "content-encoding" not in page.headers  # no compression next to the CSRF token


def test_the_live_queue_is_not_held_back_by_the_proxy(
    gateway_app: FastAPI, browser_at: BrowserAt
) -> None:
    """Buffered, the event stream would reach the worker late or never: it never ends."""
    worker = browser_at("127.0.0.7")
    assert sign_in(worker, "amina").headers["location"] == "/console/queue"
    stream = {"accept": "text/event-stream"}
    with worker.stream("GET", "/console/events", headers=stream) as events:
        lines = events.iter_lines()
        first = next_event(lines)
        sms = browser_at("127.0.0.9")  # Twilio, through the same proxy
        asked_at = time.monotonic()
        person = person_asking_for_help(gateway_app, sms)
        while (event := next_event(lines))["newest"] < person.ticket_id:
            assert time.monotonic() - asked_at < 2.0
        assert time.monotonic() - asked_at < 2.0, "the new ticket reached the console late"
    assert first["newest"] < person.ticket_id and event["unassigned"] > first["unassigned"]


def next_event(lines: Iterator[str]) -> dict[str, int]:
    for line in lines:
        if line.startswith("data: "):
            return dict(json.loads(line.removeprefix("data: ")))
    raise AssertionError("the event stream ended")


def test_the_proxy_refuses_a_body_larger_than_the_gateway_takes(tmp_path: Path) -> None:
    """Caddy's own limit, against an upstream that would read any body (the gateway's own
    limit, smaller, would otherwise answer first)."""

    read: list[int] = []

    class ReadsAll(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            read.append(len(data))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ReadsAll)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        with caddy_in_front_of(upstream.server_address[1], tmp_path) as url:
            webhook = f"{url}/webhooks/twilio"
            assert httpx.post(webhook, content=b"x" * 1024 * 1024, timeout=30).status_code == 200
            huge = httpx.post(webhook, content=b"x" * (4 * 1024 * 1024), timeout=30)
            # Caddy 2.6 (Debian's) answers 502 when it cuts the body off; newer ones 413.
            assert huge.status_code in (413, 502)
            assert all(size <= 3 * 1024 * 1024 for size in read)  # never all 4 MB upstream
    finally:
        upstream.shutdown()
        upstream.server_close()


def test_the_proxy_passes_only_webhooks_and_the_console(browser_at: BrowserAt) -> None:
    """Health's counts, the simulator and the API schema stay inside (review F14)."""
    outsider = browser_at("127.0.0.11")
    for path in ("/healthz", "/healthz/ready", "/healthz/live", "/openapi.json", "/docs",
                 "/simulator/messages/someone", "/", "/consolex"):  # fmt: skip
        assert outsider.get(path).status_code == 404, path
        assert outsider.get(path).text == "", path  # Caddy's empty answer, not the gateway's
    assert outsider.get("/console/login").status_code == 200
    assert outsider.post("/webhooks/twilio", data={}).status_code == 403  # reached, unsigned
