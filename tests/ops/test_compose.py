"""docker-compose.yml, checked by compose itself (`config` needs no Docker engine): every
service a production deployment needs, with health checks, secrets required, volumes."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from bot.config import ROOT
from tests.ops.test_stack import action_endpoint_as_rasa_reads

SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "RAHNUMA_GATEWAY_DB_PASSWORD": "gateway-db-secret",
    "RAHNUMA_ENGINE_DB_PASSWORD": "engine-db-secret",
    "RAHNUMA_ACTIONS_DB_PASSWORD": "actions-db-secret",
    "RAHNUMA_RASA_TOKEN": "rasa-token-secret",
    "RAHNUMA_ACTIONS_TOKEN": "actions-token-secret",
    "RAHNUMA_PSEUDONYM_KEY": "pseudonym-secret",
    "RAHNUMA_ADDRESS_KEY": "address-secret",
    "RAHNUMA_DOMAIN": "rahnuma.example.org",
    "RAHNUMA_ORGANISATION_NAME": "Sahil Trust",
}


def compose() -> list[str]:
    docker = shutil.which("docker")
    if docker:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if plugin.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    pytest.fail("neither `docker compose` nor `docker-compose`: `make test-tools` installs it")


def config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("RAHNUMA_")
    }
    return subprocess.run(
        [*compose(), "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
         "config"],
        env={**clean, **env}, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    done = config(SECRETS)
    assert done.returncode == 0, done.stderr
    return dict(yaml.safe_load(done.stdout)["services"])


def test_every_component_is_there(services: dict[str, Any]) -> None:
    assert set(services) == {
        "postgres", "redis", "prepare", "trainer", "learner", "engine", "actions", "gateway",
        "proxy",
    }  # fmt: skip
    assert services["engine"]["image"] == "rasa/rasa:3.6.21"
    assert services["actions"]["image"] == services["gateway"]["image"] == "rahnuma-app"


def test_every_long_running_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name not in ("prepare", "trainer"):  # one-off: they finish
            assert service.get("healthcheck", {}).get("test"), name


def test_the_gateway_is_healthy_when_it_is_ready(services: dict[str, Any]) -> None:
    """Ready means the database and an engine answer; the proxy starts only in front of it."""
    check = " ".join(services["gateway"]["healthcheck"]["test"])
    assert "http://localhost:8000/healthz/ready" in check


def test_the_engine_waits_for_the_model_and_its_stores(services: dict[str, Any]) -> None:
    needs = services["engine"]["depends_on"]
    assert needs["trainer"]["condition"] == "service_completed_successfully"
    for part in ("postgres", "redis", "actions"):
        assert needs[part]["condition"] == "service_healthy"
    assert services["gateway"]["depends_on"]["engine"]["condition"] == "service_healthy"


def test_data_lives_in_volumes_and_only_the_tls_proxy_is_published(
    services: dict[str, Any],
) -> None:
    def mounts(name: str) -> list[str]:
        """Where each volume is mounted in the container (compose v1 prints source:target:mode)."""
        return [
            v.split(":")[1] if isinstance(v, str) else str(v["target"])
            for v in services[name].get("volumes", [])
        ]

    assert any("/var/lib/postgresql/data" in m for m in mounts("postgres"))
    assert any("/app/models" in m for m in mounts("trainer"))
    assert any("/app/models" in m for m in mounts("engine"))
    assert any("/data/published" in m for m in mounts("gateway"))
    assert "/etc/caddy/Caddyfile" in mounts("proxy")
    assert "/data" in mounts("proxy")  # the certificates survive a restart
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}  # the internet reaches the TLS proxy and nothing else
    assert {str(p["target"]) for p in services["proxy"]["ports"]} == {"80", "443"}


def test_the_gateway_believes_forwarded_addresses_from_the_proxy_only(
    services: dict[str, Any],
) -> None:
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert services["gateway"]["environment"]["RAHNUMA_TRUSTED_PROXIES"] == proxy_address
    assert set(services["gateway"]["networks"]) == {"backend", "edge"}
    on_edge = {name for name, s in services.items() if "edge" in s.get("networks", {})}
    assert on_edge == {"gateway", "proxy"}
    assert services["proxy"]["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_production_settings_reach_the_app(services: dict[str, Any]) -> None:
    env = services["gateway"]["environment"]
    assert env["RAHNUMA_ENVIRONMENT"] == "production"
    assert env["RAHNUMA_SIMULATOR_ENABLED"] == "false"
    assert env["RAHNUMA_PUBLIC_URL"] == "https://rahnuma.example.org"  # Twilio signs this
    assert services["proxy"]["environment"]["RAHNUMA_DOMAIN"] == "rahnuma.example.org"
    assert services["actions"]["environment"]["RAHNUMA_ENVIRONMENT"] == "production"


def test_the_engine_uses_postgres_and_the_redis_lock_store() -> None:
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["tracker_store"]["url"] == "postgres"
    assert endpoints["tracker_store"]["username"] == "rahnuma_engine"
    assert endpoints["tracker_store"]["db"] == "rahnuma_tracker"
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "redis", "port": 6379, "db": 1, "key_prefix": "rahnuma",
    }  # fmt: skip


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_each_secret_is_required(missing: str) -> None:
    done = config({k: v for k, v in SECRETS.items() if k != missing})
    assert done.returncode != 0
    assert f"set {missing}" in done.stderr


def mounts_of(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume or host path (compose v1 prints source:target:mode)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = str(volume.get("source")), str(volume["target"])
        found[target] = source
    return found


def test_editors_working_copy_lives_in_volumes_the_app_services_share(
    services: dict[str, Any],
) -> None:
    """The console writes texts and flows where the action server reads them, and the
    one-off prepare service brings that copy up to the image's release before anything."""
    for name in ("gateway", "actions"):
        service = services[name]
        env = service["environment"]
        assert env["RAHNUMA_LOCALES_DIR"] == "/data/locales"
        assert env["RAHNUMA_CONTENT_DIR"] == "/data/content"
        assert env["RAHNUMA_PUBLISHED_DIR"] == "/data/published"
        assert {"/data/locales", "/data/content", "/data/published"} <= set(mounts_of(service))
        assert service["depends_on"]["prepare"]["condition"] == "service_completed_successfully"
    assert services["prepare"]["command"] == ["rahnuma", "content", "sync", "--from", "/app"]
    assert set(mounts_of(services["prepare"])) == {"/data/locales", "/data/content",
                                                   "/data/dialogues"}  # fmt: skip


def test_retraining_runs_in_the_learner_on_what_the_gateway_wrote(
    services: dict[str, Any],
) -> None:
    """Labels land in the dialogues volume, the learner trains from it into the models
    volume, and the engine loads the candidate by the same path the gateway names."""
    gateway, learner = services["gateway"], services["learner"]
    env = gateway["environment"]
    assert env["RAHNUMA_LEARNER_URL"] == "http://learner:5056"
    assert learner["image"] == services["engine"]["image"]  # the engine's environment
    dialogues, model = env["RAHNUMA_DIALOGUES_DIR"], env["RAHNUMA_MODEL_FILE"]
    models = str(model).rsplit("/", 1)[0]
    for name in ("gateway", "learner", "engine"):
        assert mounts_of(services[name])[models] == "models", name
    assert mounts_of(gateway)[dialogues] == mounts_of(learner)[dialogues] == "dialogues"
    assert learner["environment"]["LEARNER_ROOTS"] == f"{models}:{dialogues}"
    assert learner["entrypoint"][-1] == "/app/scripts/learner.py"
    assert learner["user"] == "65534"  # the app's user: both write the models volume
    # The first model is trained from the same working copy, so a restart keeps the labels.
    assert mounts_of(services["trainer"])["/app/dialogues"] == "dialogues"
    assert services["trainer"]["depends_on"]["prepare"]["condition"] == (
        "service_completed_successfully"
    )


def test_every_service_has_a_memory_limit_and_rotated_logs(services: dict[str, Any]) -> None:
    """One runaway part cannot starve the rest, and no log grows for ever (issue 18)."""
    for name, service in services.items():
        assert service.get("mem_limit"), name
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert logging["options"]["max-size"] and logging["options"]["max-file"], name


# -- least privilege (security review F11) -------------------------------------------------


def _user_and_database(url: str) -> tuple[str, str, str]:
    """(role, password, database) of a PostgreSQL URL."""
    credentials, rest = url.split("://", 1)[1].split("@", 1)
    user, password = credentials.split(":", 1)
    return user, password, rest.rsplit("/", 1)[1]


def test_each_process_has_its_own_database_role(services: dict[str, Any]) -> None:
    """The superuser's password reaches PostgreSQL alone; the engine's role is in its own
    database, the gateway's in both (it erases there), the action server's in the app's."""
    gateway, actions = services["gateway"]["environment"], services["actions"]["environment"]
    assert _user_and_database(gateway["DATABASE_URL"]) == (
        "rahnuma_gateway", "gateway-db-secret", "rahnuma",
    )  # fmt: skip
    assert _user_and_database(gateway["RAHNUMA_TRACKER_DB_URL"]) == (
        "rahnuma_gateway", "gateway-db-secret", "rahnuma_tracker",
    )  # fmt: skip
    assert gateway["RAHNUMA_ACTIONS_DB_ROLE"] == "rahnuma_actions"  # granted after migrating
    assert _user_and_database(actions["DATABASE_URL"]) == (
        "rahnuma_actions", "actions-db-secret", "rahnuma",
    )  # fmt: skip
    assert services["engine"]["environment"]["DB_PASSWORD"] == "engine-db-secret"
    postgres = services["postgres"]
    assert mounts_of(postgres)["/docker-entrypoint-initdb.d"].endswith("deploy/postgres")
    for part in ("GATEWAY", "ENGINE", "ACTIONS"):
        name = f"RAHNUMA_{part}_DB_PASSWORD"
        assert postgres["environment"][name] == SECRETS[name]
    for name, service in services.items():
        if name != "postgres":
            assert "pg-secret" not in yaml.safe_dump(service), name


def test_the_action_server_holds_no_keys_and_answers_only_the_engine(
    services: dict[str, Any],
) -> None:
    """Nothing in its environment can unseal an address, name a person or write to them;
    the engine sends the one token it answers, as Rasa reads deploy/endpoints.yml."""
    actions = services["actions"]
    env = actions["environment"]
    assert env["RAHNUMA_HOLDS_KEYS"] == "false"
    shown = yaml.safe_dump(env)
    for name in ("RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_ADDRESS_KEY", "RAHNUMA_RASA_TOKEN",
                 "RAHNUMA_TWILIO_AUTH_TOKEN", "RAHNUMA_TELEGRAM_BOT_TOKEN",
                 "RAHNUMA_TELEGRAM_WEBHOOK_SECRET", "POSTGRES_PASSWORD",
                 "RAHNUMA_GATEWAY_DB_PASSWORD", "RAHNUMA_ENGINE_DB_PASSWORD"):  # fmt: skip
        assert name not in env, name
        if name in SECRETS:
            assert SECRETS[name] not in shown, name
    assert env["RAHNUMA_ACTIONS_TOKEN"] == "actions-token-secret"
    assert actions["command"][:3] == ["python", "-m", "actions.server"]
    engine_env = services["engine"]["environment"]
    assert engine_env["RAHNUMA_ACTIONS_TOKEN"] == env["RAHNUMA_ACTIONS_TOKEN"]
    read = action_endpoint_as_rasa_reads(
        ROOT / "deploy" / "endpoints.yml",
        {"RAHNUMA_ACTIONS_TOKEN": engine_env["RAHNUMA_ACTIONS_TOKEN"], "DB_PASSWORD": "x"},
    )
    assert read["url"] == "http://actions:5055/webhook"
    assert read["headers"] == {"Authorization": "Bearer actions-token-secret"}
    assert "RAHNUMA_ACTIONS_TOKEN" not in services["gateway"]["environment"]  # it needs none
    prepare = services["prepare"]["environment"]
    assert prepare["RAHNUMA_HOLDS_KEYS"] == "false" and "DATABASE_URL" not in prepare


# -- containers (security review F15) -------------------------------------------------------

# The only Linux capabilities any service gets back, and why (docker-compose.yml).
CAPABILITIES = {
    "postgres": {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"},  # entrypoint, then gosu
    "trainer": {"CHOWN", "DAC_OVERRIDE"},  # root over root's fresh volumes, hands models over
    "proxy": {"NET_BIND_SERVICE"},  # ports 80 and 443
}
READ_ONLY = {"gateway", "actions", "engine", "prepare", "redis", "proxy"}


def test_every_service_drops_its_capabilities_and_gains_no_privilege(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        assert service.get("cap_drop") == ["ALL"], name
        assert set(service.get("cap_add", [])) == CAPABILITIES.get(name, set()), name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert int(service.get("pids_limit", 0)) > 0, name


def test_what_can_run_read_only_does(services: dict[str, Any]) -> None:
    """A compromised process can't change its own code or plant a file outside its volumes."""
    for name, service in services.items():
        assert bool(service.get("read_only")) == (name in READ_ONLY), name
    for name in READ_ONLY - {"redis"}:  # redis writes nothing at all
        assert any(str(t).split(":")[0] == "/tmp" for t in services[name].get("tmpfs", [])), name


def test_nothing_runs_as_root_but_what_must(services: dict[str, Any]) -> None:
    """The app's image runs as nobody; only the trainer names root (fresh volumes), and the
    proxy and PostgreSQL start as their images' root without its powers (CAPABILITIES)."""
    assert "\nUSER nobody\n" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for name, service in services.items():
        user = str(service.get("user", ""))
        if name == "trainer":
            assert user == "0"
        elif user:
            assert user.split(":")[0] not in ("0", "root"), name
    assert services["redis"]["user"] == "999:999"
    assert services["learner"]["user"] == "65534"


def test_only_the_gateway_and_the_proxy_reach_outside(services: dict[str, Any]) -> None:
    """PostgreSQL, Redis, the engine, the action server and the learner are on a network
    with no way out (internal); the one-offs have no network at all."""
    document = config(SECRETS)
    networks = yaml.safe_load(document.stdout)["networks"]
    assert networks["backend"].get("internal") is True
    assert not networks["edge"].get("internal")
    outside = set()
    for name, service in services.items():
        joined = set(service.get("networks", {}))
        if service.get("network_mode") == "none":
            assert not joined, name
            continue
        assert joined, name
        if joined - {"backend"}:
            outside.add(name)
    assert outside == {"gateway", "proxy"}
    assert {services[n].get("network_mode") for n in ("prepare", "trainer")} == {"none"}
