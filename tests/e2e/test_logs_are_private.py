"""SAFETY.md rule 20: nothing identifying reaches a log line of any of the three processes."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.ops.stack import Stack
from tests.auxil.survivor import Survivor

pytestmark = pytest.mark.e2e

PHONE = "+923219876543"
SECRET_TEXT = "mera naam zarminaqwerty hai aur main lahore mein hoon"


def test_logs_hold_no_phone_number_or_message_text(stack: Stack, gateway: httpx.Client) -> None:
    survivor = Survivor(gateway, address=PHONE)
    survivor.says(SECRET_TEXT)
    survivor.says("3")
    survivor.says("mujhe bachao")
    for name in ("gateway", "engine", "actions"):
        log = (stack.workdir / f"{name}.log").read_text(errors="replace")
        assert log, f"{name} wrote no log at all"
        for secret in (PHONE, PHONE.lstrip("+"), "zarminaqwerty", "mujhe bachao"):
            assert secret not in log, f"{secret!r} in the {name} log"


def test_a_request_the_engine_could_not_finish_leaves_no_text_in_its_log(stack: Stack) -> None:
    """Security review F1: Rasa 3.6 logs the whole message when a request is cancelled
    (`rest.message.received.timeout text=...`); the launcher blanks it."""
    secret = "mera naam zarminaqwerty hai, timeout se pehle"
    url = f"http://127.0.0.1:{stack.ports.engine}/webhooks/rest/webhook"
    # The client gives up long before the engine can answer (a millisecond), once the request
    # is sent: a busy machine may take longer than that to connect, and a request never sent
    # logs nothing; a 20 ms wait for the answer was sometimes long enough to get it.
    wait = httpx.Timeout(0.001, connect=10.0, write=10.0, pool=10.0)
    for _ in range(3):
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(url, json={"sender": "p_timeout", "message": secret}, timeout=wait)
    log = stack.workdir / "engine.log"
    deadline = time.monotonic() + 20
    while "rest.message.received" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the engine never logged the cancelled request"
        time.sleep(0.2)
    assert "zarminaqwerty" not in log.read_text(errors="replace")
