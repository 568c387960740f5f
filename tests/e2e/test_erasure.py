"""DELETE erases everything about a person everywhere: afterwards, every table of the
gateway's store and of Rasa's tracker store is dumped, and neither the pseudonym, nor the
phone number, nor anything they wrote is found. Then retention, fast-forwarded, through
the real command line against the real stores."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, select

from bot.config import ROOT
from bot.ops.stack import Stack
from bot.privacy.identity import pseudonym
from bot.store import AuditEntry, Database, Ticket
from bot.wording.catalogs import Catalogs
from tests.auxil.channel_survivor import SmsSurvivor, wait_for
from tests.auxil.providers import FakeProviders
from tests.privacy.conftest import dump

pytestmark = pytest.mark.e2e

PASSWORD = "a long password for erasure"


def staff_console(stack: Stack, gateway: httpx.Client, username: str) -> httpx.Client:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "add", username, "--password-stdin"],
        input=PASSWORD + "\n", env=stack.env(), cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    client = httpx.Client(base_url=gateway.base_url, timeout=30)
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    signed = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf": token.group(1)},
    )
    assert signed.status_code == 303
    return client


def csrf(client: httpx.Client, url: str) -> str:
    found = re.search(r'<meta name="csrf" content="([^"]+)"', client.get(url).text)
    assert found
    return found.group(1)


def stores(stack: Stack) -> str:
    everything = ""
    for url in (stack.settings.database_url, stack.settings.tracker_db_url):
        engine = create_engine(url)
        everything += dump(engine) + "\n"
        engine.dispose()
    return everything


def test_delete_leaves_no_trace_in_either_store(
    stack: Stack, gateway: httpx.Client, providers: FakeProviders
) -> None:
    # A number no id or timestamp in the stores could contain by chance.
    survivor = SmsSurvivor(gateway, providers, number="+923337654987")
    said = ["hello", "1", "1", "my employer zarminaqwerty kept my passport"]
    for words in said:
        survivor.says(words)
    survivor.says("I want to talk to a person")
    survivor.says("1")
    survivor.says("2")
    pid = pseudonym(stack.settings.pseudonym_key, "sms", survivor.number)
    db = Database(stack.settings.database_url)
    with db.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.pseudonym == pid)).one()
    worker = staff_console(stack, gateway, "erasure.worker")
    try:
        work_and_delete(stack, survivor, providers, worker, ticket.id, pid)
    finally:
        worker.close()
    db.engine.dispose()


def work_and_delete(
    stack: Stack,
    survivor: SmsSurvivor,
    providers: FakeProviders,
    worker: httpx.Client,
    ticket_id: int,
    pid: str,
) -> None:
    url = f"/console/tickets/{ticket_id}"
    assert worker.post(f"{url}/claim", data={"csrf": csrf(worker, url)}).status_code == 303
    worker.post(f"{url}/reply", data={"csrf": csrf(worker, url), "text": "zarminaqwerty reply"})
    wait_for(lambda: len(providers.sms_to(survivor.number)), 1)
    survivor.writes("my secret words zarminaqwerty")
    worker.get(url)
    assert pid in stores(stack)  # the tracker store knows the pseudonym until DELETE

    catalogs = Catalogs(ROOT / "locales")
    asked = survivor.says("DELETE")
    assert asked[0].startswith(catalogs.render("en", "delete.ask"))  # asked first (rule 11)
    assert pid in stores(stack)
    confirmation = survivor.says("1")
    assert confirmation == [catalogs.render("en", "delete.done")]
    everything = stores(stack)
    digits = survivor.number.lstrip("+")
    assert pid not in everything
    assert digits not in everything and digits[-7:] not in everything
    assert "zarminaqwerty" not in everything and "passport" not in everything
    db = Database(stack.settings.database_url)
    with db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.detail == "erased")).all()
    db.engine.dispose()
    assert entries and all(e.ticket_id is None for e in entries)


def test_retention_fast_forwarded_empties_both_stores_of_a_person(
    stack: Stack, gateway: httpx.Client, providers: FakeProviders
) -> None:
    survivor = SmsSurvivor(gateway, providers)
    for words in ["hello", "1", "1", "I need a lawyer in Multan"]:
        survivor.says(words)
    pid = pseudonym(stack.settings.pseudonym_key, "sms", survivor.number)
    assert pid in stores(stack)
    later = (date.today() + timedelta(days=stack.settings.retention_days + 1)).isoformat()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", "--as-of", later],
        env=stack.env(), cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    everything = stores(stack)
    assert pid not in everything
    assert "lawyer in Multan" not in everything
