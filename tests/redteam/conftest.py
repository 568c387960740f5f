"""The red-team stack: the real gateway and the real actions on one database."""

from __future__ import annotations

import pytest

from bot.privacy.erasure import TrackerStore
from bot.store import Database
from bot.wording.catalogs import Catalogs
from tests.redteam.conversation import Stack, WalkerEngine, build_stack


@pytest.fixture
def stack(database: Database, trackers: TrackerStore, catalogs: Catalogs) -> Stack:
    engine = WalkerEngine(trackers)
    return build_stack(database, trackers, catalogs, engine.client(), engine)
