"""What the action server may do in the gateway's PostgreSQL database (security review F11).

deploy/postgres/ creates one login per process, none a superuser: the gateway owns this
database and runs its migrations; the engine has its own tracker database and no way into
this one. The action server reads the service directory and opens handoff tickets, nothing
else, so after every migration the gateway (the tables' owner) grants it exactly that, and
a table a later migration adds stays closed to it until this list names it.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text

from bot.store import Database

log = logging.getLogger(__name__)

_GRANTS_LOCK = 0x5241484E  # any constant of ours: one gateway grants at a time

# Every statement the actions make, and nothing more (actions/directory.py, actions/handoff.py
# and bot/handoff/queue.py's open_ticket). tests/ops/test_postgres_roles.py runs them as the role.
ACTIONS_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT ON service_listings TO {role}",
    # A handoff: the person must be known; their bot is paused while a worker has them.
    "GRANT SELECT (pseudonym) ON contacts TO {role}",
    "GRANT UPDATE (engine_paused) ON contacts TO {role}",
    # A ticket opened, or the open one told that they asked again.
    "GRANT SELECT, INSERT ON tickets TO {role}",
    "GRANT UPDATE (urgent, wants_woman_worker, exited_at, updated_at) ON tickets TO {role}",
)


def grant_action_server(db: Database, role: str) -> None:
    """Give the action server's role exactly ACTIONS_GRANTS (whatever it held before goes).

    Only on PostgreSQL; SQLite has no roles. Run by the tables' owner, after migrating.
    """
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as conn:
        # Gateways starting together would otherwise collide on the same catalog rows.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GRANTS_LOCK})
        quoted = conn.dialect.identifier_preparer.quote(role)
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
        conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}"))
        for grant in ACTIONS_GRANTS:
            conn.execute(text(grant.format(role=quoted)))
        _grant_sequence(conn, "tickets", quoted)
    log.info("the action server's database rights are set")


def _grant_sequence(conn: Connection, table: str, quoted_role: str) -> None:
    """New rows of `table` number themselves from its sequence, which the role must use."""
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table})
    if sequence:  # already quoted by PostgreSQL where it needs to be
        conn.execute(text(f"GRANT USAGE ON SEQUENCE {sequence} TO {quoted_role}"))
