"""Alembic environment: migrations run against the connection `Database.migrate` passes in."""

from __future__ import annotations

from alembic import context

import bot.store.directory
import bot.store.staff
import bot.store.tickets  # noqa: F401 - handoff tickets
from bot.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
