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

SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "RAHNUMA_RASA_TOKEN": "rasa-token-secret",
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
    assert set(services["gateway"]["networks"]) == {"default", "edge"}
    on_edge = {name for name, s in services.items() if "edge" in s.get("networks", {})}
    assert on_edge == {"gateway", "proxy"}
    assert services["proxy"]["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_production_settings_reach_the_app(services: dict[str, Any]) -> None:
    env = services["gateway"]["environment"]
    assert env["RAHNUMA_ENVIRONMENT"] == "production"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg2://rahnuma:pg-secret@postgres")
    assert env["RAHNUMA_TRACKER_DB_URL"] == env["DATABASE_URL"]
    assert env["RAHNUMA_SIMULATOR_ENABLED"] == "false"
    assert env["RAHNUMA_PUBLIC_URL"] == "https://rahnuma.example.org"  # Twilio signs this
    assert services["proxy"]["environment"]["RAHNUMA_DOMAIN"] == "rahnuma.example.org"
    assert services["actions"]["environment"] == env


def test_the_engine_uses_postgres_and_the_redis_lock_store() -> None:
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["tracker_store"]["url"] == "postgres"
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
