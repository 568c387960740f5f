"""The database: migrations against the models, and the action server's shared handles."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import Database, close_shared_databases, shared_database
from bot.store.models import Base


def test_the_migrations_build_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_one_shared_database_per_url_until_closed(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    first = shared_database(url)
    assert shared_database(url) is first
    close_shared_databases()
    assert shared_database(url) is not first
    close_shared_databases()
