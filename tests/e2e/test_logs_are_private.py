"""SAFETY.md rule 20: nothing identifying reaches a log line of any of the three processes."""

from __future__ import annotations

import httpx
import pytest

from bot.stack import Stack
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
