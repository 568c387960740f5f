"""deploy/postgres/: the roles compose's PostgreSQL starts with (security review F11).

The very script compose runs makes them on this machine's PostgreSQL, under names and in
databases of this test's own (dropped after), and each role is then used as its process
uses it: the gateway migrates, grants and erases; the actions walk a conversation to a
handoff; the engine keeps its tracker. What each must not do is refused by PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.config import ROOT, get_settings
from bot.privacy.erasure import TrackerStore
from bot.store import Contact, Database, Ticket, close_shared_databases
from bot.store.roles import grant_action_server
from tests.auxil.dialogue import Dialogue, keys
from tests.auxil.fake_engine import RASA_EVENTS_TABLE
from tests.conftest import seed_directory

# A superuser on this machine's PostgreSQL (trust authentication on loopback).
ADMIN_URL = os.environ.get(
    "RAHNUMA_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
SCRIPT = ROOT / "deploy" / "postgres" / "10-rahnuma-roles.sh"


@dataclass(frozen=True)
class Cluster:
    prefix: str
    passwords: dict[str, str]

    def role(self, part: str) -> str:
        return f"{self.prefix}_{part}"

    @property
    def app_db(self) -> str:
        return f"{self.prefix}_app"

    @property
    def tracker_db(self) -> str:
        return f"{self.prefix}_tracker"

    def url(self, part: str, database: str) -> str:
        admin = make_url(ADMIN_URL)
        return admin.set(
            username=self.role(part), password=self.passwords[part], database=database
        ).render_as_string(hide_password=False)


def _admin(database: str = "postgres") -> Database:
    return Database(make_url(ADMIN_URL).set(database=database).render_as_string(False))


def _reachable() -> bool:
    if shutil.which("psql") is None:
        return False
    try:
        with _admin().engine.connect() as conn:
            return bool(
                conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            )
    except OperationalError:
        return False


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not _reachable():
        pytest.skip("no PostgreSQL superuser at RAHNUMA_TEST_POSTGRES_ADMIN_URL")
    made = Cluster(
        f"helper_priv_{secrets.token_hex(4)}",
        {part: secrets.token_hex(16) for part in ("gateway", "engine", "actions")},
    )
    try:
        _run_script(made)
        yield made
    finally:
        _drop(made)


def _run_script(cluster: Cluster) -> None:
    admin = make_url(ADMIN_URL)
    env = {
        **os.environ,
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": cluster.app_db,
        "RAHNUMA_DB_ROLES": cluster.prefix,
        "RAHNUMA_GATEWAY_DB_PASSWORD": cluster.passwords["gateway"],
        "RAHNUMA_ENGINE_DB_PASSWORD": cluster.passwords["engine"],
        "RAHNUMA_ACTIONS_DB_PASSWORD": cluster.passwords["actions"],
    }
    for _ in range(2):  # the second run is an upgrade's: the same state, no error
        done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True,
                              check=False, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr


def _drop(cluster: Cluster) -> None:
    admin = _admin()
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for database in (cluster.app_db, cluster.tracker_db):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        for part in ("gateway", "actions", "engine"):
            conn.execute(text(f'DROP ROLE IF EXISTS "{cluster.role(part)}"'))
    admin.engine.dispose()


@pytest.fixture(scope="module")
def migrated(cluster: Cluster) -> Iterator[Database]:
    """The app database as the gateway leaves it at start: migrated, the actions granted."""
    db = Database(cluster.url("gateway", cluster.app_db))
    db.migrate()
    grant_action_server(db, cluster.role("actions"))
    seed_directory(db)
    yield db
    db.engine.dispose()


def _refused(url: str, statement: str) -> str:
    """PostgreSQL's refusal of `statement` run as the URL's role."""
    engine = create_engine(url)
    try:
        with pytest.raises((ProgrammingError, OperationalError)) as err, engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    return str(err.value.orig)


def test_no_role_may_do_more_than_its_process_needs(cluster: Cluster) -> None:
    with _admin().engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication,"
                " rolbypassrls FROM pg_roles WHERE rolname LIKE :prefix"
            ),
            {"prefix": f"{cluster.prefix}%"},
        ).all()
    assert {row[0] for row in rows} == {cluster.role(p) for p in ("gateway", "engine", "actions")}
    assert not any(any(row[1:]) for row in rows)  # no superuser, no role or database making


def test_the_engine_cannot_reach_staff_tickets_or_contacts(
    cluster: Cluster, migrated: Database
) -> None:
    """A compromised engine can't add itself a console account nor read who wrote."""
    engine_into_app = cluster.url("engine", cluster.app_db)
    assert "permission denied for database" in _refused(engine_into_app, "SELECT 1")
    # Even were it let in (a later mistake), it could read nothing there.
    with _admin(cluster.app_db).engine.begin() as conn:
        conn.execute(
            text(f'GRANT CONNECT ON DATABASE "{cluster.app_db}" TO "{cluster.role("engine")}"')
        )
    try:
        for table in ("staff_members", "tickets", "ticket_messages", "contacts"):
            assert "permission denied" in _refused(engine_into_app, f"SELECT * FROM public.{table}")
        assert "permission denied" in _refused(
            engine_into_app,
            "INSERT INTO public.staff_members (username, display_name, role, password_hash) "
            "VALUES ('x', 'x', 'admin', 'x')",
        )
    finally:
        with _admin(cluster.app_db).engine.begin() as conn:
            conn.execute(
                text(
                    f'REVOKE CONNECT ON DATABASE "{cluster.app_db}" FROM "{cluster.role("engine")}"'
                )
            )


def test_the_gateway_owns_what_it_migrated(cluster: Cluster, migrated: Database) -> None:
    with migrated.engine.connect() as conn:
        owners = set(
            conn.scalars(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            )
        )
    assert owners == {cluster.role("gateway")}


@pytest.fixture
def as_actions(
    cluster: Cluster, migrated: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The actions, run with the action server's settings: its role, no keys."""
    url = cluster.url("actions", cluster.app_db)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RAHNUMA_HOLDS_KEYS", "false")
    get_settings.cache_clear()
    with migrated.session() as session:
        session.execute(text("DELETE FROM tickets"))
        session.execute(text("DELETE FROM contacts"))
        session.add(Contact(pseudonym="p_test", channel="sms", address_sealed=b"x", language="en"))
    yield url
    close_shared_databases()
    get_settings.cache_clear()


def test_the_actions_find_services_and_open_tickets_as_their_own_role(
    as_actions: str, migrated: Database
) -> None:
    assert get_settings().pseudonym_key == ""  # no key in the action server
    dialogue = Dialogue()
    dialogue.onboard()
    dialogue.say("find_service", "helpline", service_type="helpline")
    found = dialogue.say("skip")  # no district: national helplines, read from the directory
    assert found[0].key == "service.results" and found[0].listings
    dialogue.say("request_human")
    dialogue.say("affirm")
    assert keys(dialogue.say("deny")) == ["handoff.requested"]
    # Asking again, in danger, updates the open ticket instead of opening another.
    dialogue.say("emergency", "help")
    dialogue.say("affirm")
    with migrated.session() as session:
        ticket = session.query(Ticket).one()
        contact = session.get(Contact, "p_test")
        assert contact is not None and contact.engine_paused
    assert ticket.urgent and ticket.wants_woman_worker is False


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM staff_members",
        "SELECT * FROM ticket_messages",
        "SELECT address_sealed FROM contacts",
        "SELECT last_menu FROM contacts",
        "SELECT * FROM audit_entries",
        "INSERT INTO contacts (pseudonym, channel, address_sealed, language)"
        " VALUES ('p', 'sms', '', 'en')",
        "UPDATE tickets SET status = 'closed'",
        "UPDATE contacts SET opted_out = true",
        "DELETE FROM tickets",
        "DELETE FROM service_listings",
        "CREATE TABLE spare (id int)",
    ],
)
def test_the_actions_role_can_do_nothing_else(as_actions: str, statement: str) -> None:
    assert "permission denied" in _refused(as_actions, statement)


def test_the_actions_role_cannot_reach_the_tracker(cluster: Cluster) -> None:
    refusal = _refused(cluster.url("actions", cluster.tracker_db), "SELECT 1")
    assert "permission denied for database" in refusal


def test_the_gateway_erases_in_the_engines_tracker_and_leaves_no_dead_rows(
    cluster: Cluster,
) -> None:
    """Rasa makes its table as the engine; the gateway blanks, deletes and vacuums there."""
    engine_url = cluster.url("engine", cluster.tracker_db)
    rasa = create_engine(engine_url)
    with rasa.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
        conn.execute(text(RASA_EVENTS_TABLE.format(id="SERIAL PRIMARY KEY")))
        for sender, said in [("p_gone", "zarmina lives at the brick kiln"), ("p_kept", "hello")]:
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:s, 'user', 1, :d)"
                ),
                {"s": sender, "d": f'{{"text": "{said}"}}'},
            )
    rasa.dispose()
    trackers = TrackerStore(cluster.url("gateway", cluster.tracker_db))
    try:
        assert trackers.forget("p_gone") == 1
        trackers.compact()
        with trackers.engine.connect() as conn:
            senders = list(conn.scalars(text("SELECT sender_id FROM events")))
        assert senders == ["p_kept"]
    finally:
        trackers.engine.dispose()
    admin = _admin(cluster.tracker_db)
    with admin.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
        dead = conn.scalar(text("SELECT dead_tuple_count FROM pgstattuple('events')"))
    admin.engine.dispose()
    assert dead == 0  # vacuumed: no dead row version keeps the words for a later reader


def test_an_older_deployment_is_brought_to_the_same_roles() -> None:
    """Before these roles one superuser made every table, Rasa's among them: running the
    script on such a cluster hands the tables to the gateway (docs/deploy.md, Upgrades)."""
    if not _reachable():
        pytest.skip("no PostgreSQL superuser at RAHNUMA_TEST_POSTGRES_ADMIN_URL")
    old = Cluster(
        f"helper_priv_{secrets.token_hex(4)}",
        {part: secrets.token_hex(16) for part in ("gateway", "engine", "actions")},
    )
    admin = _admin()
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{old.app_db}"'))
        superuser_db = _admin(old.app_db)
        with superuser_db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE contacts (pseudonym text PRIMARY KEY)"))
            conn.execute(text(RASA_EVENTS_TABLE.format(id="SERIAL PRIMARY KEY")))
        superuser_db.engine.dispose()
        _run_script(old)
        gateway = Database(old.url("gateway", old.app_db))
        with gateway.engine.begin() as conn:
            owners = set(
                conn.scalars(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"))
            )
            conn.execute(text("INSERT INTO events (sender_id, type_name) VALUES ('p', 'user')"))
        gateway.engine.dispose()
        assert owners == {old.role("gateway")}
        # Rasa's events, copied into the tracker database by the superuser, become the engine's.
        tracker = _admin(old.tracker_db)
        with tracker.engine.begin() as conn:
            conn.execute(text(RASA_EVENTS_TABLE.format(id="SERIAL PRIMARY KEY")))
        _run_script(old)
        with tracker.engine.connect() as conn:
            owner = conn.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'events'"))
        tracker.engine.dispose()
        assert owner == old.role("engine")
    finally:
        admin.engine.dispose()
        _drop(old)
