"""The survivor pipeline as the gateway wires it (`bot/app.py::_wire`), over a test engine."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from bot.channels import Outbox, Sender, SimulatedChannel
from bot.config import ROOT
from bot.conversation.danger import DangerLexicon
from bot.conversation.keywords import KeywordMatcher
from bot.conversation.service import Conversations
from bot.dialogue_engine import DialogueEngine
from bot.directory import load_gazetteer
from bot.handoff.desk import HandoffDesk
from bot.learning.review import UnrecognisedLog
from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault
from bot.store import Database
from bot.store.locks import PersonLocks
from bot.wording.catalogs import Catalogs

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


@dataclass
class Pipeline:
    conversations: Conversations
    desk: HandoffDesk
    simulated: SimulatedChannel
    outbox: Outbox
    engine: DialogueEngine
    vault: Vault = field(default_factory=lambda: Vault(KEY))


def pipeline(
    db: Database,
    trackers: TrackerStore,
    catalogs: Catalogs,
    client: httpx.AsyncClient,
    *,
    senders: dict[str, Sender] | None = None,
    timeout: float = 1.0,
    address_key: str = KEY,
    pseudonym_key: str = "secret",
) -> Pipeline:
    simulated = SimulatedChannel()
    vault, locks = Vault(address_key), PersonLocks()
    outbox = Outbox(db=db, senders=senders or {}, simulated=simulated, vault=vault)
    engine = DialogueEngine("http://rasa.test", "token", timeout, client)
    desk = HandoffDesk(db=db, vault=vault, catalogs=catalogs, outbox=outbox, engine=engine,
                       locks=locks, silence=timedelta(hours=48))  # fmt: skip
    conversations = Conversations(
        db=db,
        trackers=trackers,
        catalogs=catalogs,
        keywords=KeywordMatcher.from_file(ROOT / "content" / "keywords.yml"),
        danger=DangerLexicon.from_file(ROOT / "content" / "danger.yml"),
        engine=engine,
        vault=vault,
        outbox=outbox,
        desk=desk,
        locks=locks,
        pseudonym_key=pseudonym_key,
        unrecognised=UnrecognisedLog(
            db, vault, load_gazetteer(ROOT / "data" / "seed" / "districts_pk.yaml")
        ),
    )
    return Pipeline(conversations, desk, simulated, outbox, engine, vault)
