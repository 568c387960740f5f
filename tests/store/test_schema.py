"""The database: migrations against the models, and the action server's shared handles."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from bot.store import (
    Contact,
    Database,
    Ticket,
    TicketStatus,
    close_shared_databases,
    shared_database,
)
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


def test_a_state_column_holds_its_enum_and_refuses_anything_else(database: Database) -> None:
    with database.session() as session:
        session.add(Contact(pseudonym="p1", channel="sms", address_sealed=b"x", language="en"))
        session.add(Ticket(pseudonym="p1", status="claimed"))
    with database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status is TicketStatus.CLAIMED
    with pytest.raises(StatementError), database.session() as session:
        session.add(Ticket(pseudonym="p1", status="lost"))
