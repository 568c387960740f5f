"""The development demo directory: the seed, shown as verified and marked demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.config import ROOT
from bot.directory import load_gazetteer
from bot.directory.demo import has_demo_listings, seed_demo
from bot.store import Database, ServiceListing
from tests.directory.conftest import ids


def test_demo_listings_only_outside_production(database: Database) -> None:
    with database.session() as session:
        assert has_demo_listings(session)
    assert ids(database, "legal_aid", "Multan", include_demo=True)
    assert ids(database, "legal_aid", "Multan", include_demo=False) == []


def test_seed_marks_unconfirmed_entries_as_draft(database: Database) -> None:
    with database.session() as session:
        assert session.get(ServiceListing, "fia-general-helpline").status == "draft"  # type: ignore[union-attr]
    assert "fia-general-helpline" not in ids(database, "police", None)


def test_a_changed_seed_refreshes_a_demo_directory_but_never_a_real_one(
    database: Database, tmp_path: Path
) -> None:
    """A neutral name added to the seed reaches a developer's demo listings (rule 12),
    once; a directory with a real listing is left alone."""
    gazetteer = load_gazetteer(ROOT / "data/seed/districts_pk.yaml")
    seed = tmp_path / "services.yaml"
    seed.write_text((ROOT / "data/seed/services_pk.yaml").read_text(encoding="utf-8"))
    today = date.today()
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 0  # already as the seed says
    text = seed.read_text(encoding="utf-8").replace("Police emergency", "Police (emergency)")
    seed.write_text(text, encoding="utf-8")
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 1
        assert session.get(ServiceListing, "police-emergency").names["en"] == "Police (emergency)"  # type: ignore[union-attr]
        session.get(ServiceListing, "police-emergency").demo = False  # type: ignore[union-attr]
    seed.write_text(text.replace("Police (emergency)", "Police"), encoding="utf-8")
    with database.session() as session:
        assert seed_demo(session, seed, gazetteer, today=today) == 0
