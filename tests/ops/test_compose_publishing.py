"""The editors' publish as docker-compose runs it, without a Docker engine: the prepare
service's command (the working-copy sync, from compose's configuration) in the folders the
volumes give the gateway, then a text changed in the console, approved by a second person and read
by the next survivor. The image's folders map to the repository (`/app`) and to a temporary
folder (`/data`)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from bot.config import ROOT, Settings
from bot.store import Database
from bot.wording.messages import BotMessage
from tests.auxil.fake_engine import FakeEngine
from tests.auxil.providers import FakeProviders
from tests.channels.conftest import channel_settings, engine, providers
from tests.console.conftest import add_staff_accounts, form_token, make_app, signed_in
from tests.ops.test_compose import SECRETS, config

__all__ = ["channel_settings", "engine", "providers"]  # fixtures shared with channel tests

NEW_URDU = "بہت شکریہ۔ آپ جب چاہیں ہمیں دوبارہ لکھیں۔"


def gateway_start(data: Path) -> tuple[list[str], dict[str, str]]:
    """The prepare service's command, and the gateway's folders."""
    done = config(SECRETS)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    command = [part.replace("/app", str(ROOT)) for part in services["prepare"]["command"]]
    folders = {name: value.replace("/data", str(data)) for name, value in
               services["gateway"]["environment"].items() if value.startswith("/data/")}  # fmt: skip
    return command, folders


def test_a_console_publish_works_in_the_compose_layout(
    tmp_path: Path,
    channel_settings: Settings,
    providers: FakeProviders,
    engine: FakeEngine,
    database: Database,
) -> None:
    command, folders = gateway_start(tmp_path / "data")
    assert set(folders) == {"RAHNUMA_LOCALES_DIR", "RAHNUMA_CONTENT_DIR", "RAHNUMA_PUBLISHED_DIR",
                            "RAHNUMA_DIALOGUES_DIR"}  # fmt: skip
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # `rahnuma`
    started = subprocess.run(command, env={**os.environ, **folders, "PATH": path}, cwd=tmp_path,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "data" / "content" / "info.yml").exists()
    assert (tmp_path / "data" / "dialogues" / "domain" / "intents.yml").exists()

    app = make_app(channel_settings, providers, engine, database,
                   locales_dir=Path(folders["RAHNUMA_LOCALES_DIR"]),
                   content_dir=Path(folders["RAHNUMA_CONTENT_DIR"]),
                   published_dir=Path(folders["RAHNUMA_PUBLISHED_DIR"]))  # fmt: skip
    engine.reply = lambda body: [BotMessage("thank.reply")]
    with TestClient(app) as person:
        add_staff_accounts(app)
        erum = signed_in(app, "erum")
        key = "thank.reply"
        form = {f"text_{language}": text for language, text in
                _texts(erum.get(f"/console/texts/{key}").text).items()}  # fmt: skip
        form["text_ur"] = NEW_URDU
        saved = erum.post(f"/console/texts/{key}", data={**form, "csrf": form_token(
            erum.get(f"/console/texts/{key}").text)})  # fmt: skip
        assert saved.status_code == 303
        sara = signed_in(app, "sara")
        review = sara.get("/console/review").text
        drafts = _draft_ids(review)
        approved = sara.post("/console/review/approve",
                             data={"csrf": form_token(review), "draft": drafts})  # fmt: skip
        assert approved.headers["location"] == "/console/history?done=published"
        said = person.post("/simulator/messages",
                           json={"channel": "sms", "from": "compose-1", "text": "شکریہ"})  # fmt: skip
    assert said.json()["replies"][-1]["text"] == NEW_URDU
    # What survivors read came from the volume's copy, not from the repository.
    assert NEW_URDU not in (ROOT / "locales" / "ur" / "LC_MESSAGES" / "messages.po").read_text(
        encoding="utf-8"
    )


def _texts(page: str) -> dict[str, str]:
    found = re.findall(r'<textarea[^>]*name="text_([a-zA-Z_]+)"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no text boxes on the edit page"
    return {language: html.unescape(text) for language, text in found}


def _draft_ids(page: str) -> list[str]:
    return re.findall(r'name="draft" value="(\d+)"', page)
