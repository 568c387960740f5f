"""One typed settings object for the whole app, read from the environment and `.env`."""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# The Rasa actions, by package name: the action server and the content check load it so.
ACTIONS_PACKAGE = "actions"

# Development defaults: refused in production (see `_refuse_unsafe_secrets`), which is what a
# process is when RAHNUMA_ENVIRONMENT does not name another environment.
_DEV_PSEUDONYM_KEY = "dev-pseudonym-key-change-me"
_DEV_ADDRESS_KEY = "ZGV2LWFkZHJlc3Mta2V5LWNoYW5nZS1tZS0wMDAwMDA="  # 32 bytes, urlsafe b64
_DEV_RASA_TOKEN = "dev-rasa-token"  # noqa: S105 - a known placeholder, refused in production
DEV_ACTIONS_TOKEN = "dev-actions-token"  # noqa: S105 - the action server refuses it in production
_DEV_ORGANISATION = "Rahnuma demo"  # not a real organisation: refused in production
# The longest name the content check budgets the first reply for (bot/editing/check.py).
MAX_ORGANISATION_CHARACTERS = 31
# A pseudonym key or engine token shorter than this can be found offline from one known pair.
MIN_SECRET_CHARACTERS = 32
# Nor may it be a few characters repeated ("aaaa…", "abab…", "password" four times): at least
# this many different ones. A random key (`rahnuma keys new`, `secrets.token_urlsafe(32)`, or
# even 32 hex digits) has far more; this only catches values typed by hand.
MIN_SECRET_DIFFERENT_CHARACTERS = 10
MIN_WEBHOOK_SECRET_CHARACTERS = 16
# Telegram accepts only these characters in a webhook's secret token.
_TELEGRAM_SECRET_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)


class ConfigurationError(ValueError):
    """Settings this process must not start with; the message names variables, never values."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"

    @property
    def local(self) -> bool:
        """Development and the tests: never reached by survivors, so demo data may be there."""
        return self is not Environment.PRODUCTION


class Settings(BaseSettings):
    # Errors never echo what was given: a refused key must not end up in a log.
    model_config = SettingsConfigDict(
        env_prefix="RAHNUMA_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    # Production unless named: a deployment that forgets it fails closed (docs/deploy.md).
    environment: Environment = Environment.PRODUCTION
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'rahnuma.db'}",
        validation_alias="DATABASE_URL",
    )
    # Rasa's SQL tracker store; the gateway erases a person's rows there too.
    tracker_db_url: str = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"

    # One engine, or several replicas separated by commas (docs/deploy.md).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = _DEV_RASA_TOKEN
    actions_url: str = "http://127.0.0.1:5055"
    # Rasa's lock store when several engine replicas share the conversations (redis://host:port/db).
    redis_url: str = ""
    engine_timeout_seconds: float = 8.0

    pseudonym_key: str = _DEV_PSEUDONYM_KEY
    address_key: str = _DEV_ADDRESS_KEY
    # False for the action server (and compose's one-off `prepare`): it seals nothing and
    # names nobody, so it holds no key or provider token, whatever its environment or `.env`
    # says (review F11). Every key below is then empty, and using one fails.
    holds_keys: bool = True
    # What the engine sends the action server (`Authorization: Bearer …`): the action server
    # answers nobody else (actions/server.py, deploy/endpoints.yml).
    actions_token: str = DEV_ACTIONS_TOKEN
    # The action server's own PostgreSQL role: after every migration the gateway grants it
    # exactly what the actions use (bot/store/roles.py). Empty: one role for everything.
    actions_db_role: str = ""

    locales_dir: Path = ROOT / "locales"  # the working copy editors change
    published_dir: Path = ROOT / "var" / "published"  # what `rahnuma content publish` made live
    content_dir: Path = ROOT / "content"
    # What the engine is trained from and the model it serves: labelling what the bot did
    # not understand adds examples here and retrains (bot/learning).
    dialogues_dir: Path = ROOT / "dialogues"
    model_file: Path = ROOT / "models" / "rahnuma.tar.gz"
    # Where retraining runs when this environment has no engine (docker-compose): the learner
    # service in the engine's image (scripts/learner.py). Empty: .venv-rasa, here.
    learner_url: str = ""
    # The share of the training's epochs a console retraining fine-tunes for (None: all of
    # them). The end-to-end test sets a quarter: the same loop, minutes sooner.
    retrain_epoch_fraction: float | None = Field(default=None, gt=0, le=1)
    seed_services_file: Path = ROOT / "data" / "seed" / "services_pk.yaml"
    gazetteer_file: Path = ROOT / "data" / "seed" / "districts_pk.yaml"

    # Who runs this service, named in the first reply (SAFETY.md rule 1): the deploying
    # organisation's own name, in Latin letters and, if it has one, in Urdu script.
    organisation_name: str = _DEV_ORGANISATION
    organisation_name_ur: str = ""

    default_language: str = "en"
    # Unset: on in development and the tests, off in production (docs/deploy.md).
    simulator_enabled: bool | None = None
    retention_days: int = 30

    # Where webhooks reach us from the internet (Twilio signs this URL). Empty: no webhooks,
    # and Telegram falls back to polling (development only).
    public_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_url: str = ""  # transport override for tests or an egress proxy
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"
    # How often kept messages are retried while the engine was down.
    redelivery_interval_seconds: float = 5.0

    # Handoff: when staff work, and when a claimed ticket with no activity closes by itself.
    staff_hours_file: Path = ROOT / "content" / "staff_hours.yml"
    handoff_silence_hours: float = 48.0
    # Staff console sessions: signed out after this long idle, and after this long at all.
    console_idle_minutes: float = 30.0
    console_session_hours: float = 12.0
    # Session cookies only over HTTPS. On by default in production; off for http://localhost.
    console_secure_cookies: bool | None = None
    # Addresses (or networks) of the TLS proxy in front, comma-separated. Only from these is
    # X-Forwarded-For believed, so the console's limits on guessing count each real client,
    # not the proxy as one client whom a single attacker could lock out for everyone.
    trusted_proxies: str = ""
    # Workers and admins must set up two-step sign-in (an authenticator app's codes) before
    # the console opens anything else for them. Unset: on in production, off elsewhere.
    require_two_factor: bool | None = None

    @property
    def secure_cookies(self) -> bool:
        if self.console_secure_cookies is not None:
            return self.console_secure_cookies
        return self.environment is Environment.PRODUCTION

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        if not self.holds_keys:
            for name in _KEYS:
                setattr(self, name, "")
        problems = _key_problems(self) if self.holds_keys else []
        if self.environment is Environment.PRODUCTION:
            problems += _production_problems(self)
        if problems:
            where = str(self.environment)
            if "environment" not in self.model_fields_set:
                where += (
                    " (RAHNUMA_ENVIRONMENT is not set; RAHNUMA_ENVIRONMENT=development runs "
                    "with the development keys)"
                )
            raise ConfigurationError(f"refusing to start in {where}: " + "; ".join(problems))
        if self.simulator_enabled is None:
            self.simulator_enabled = self.environment.local
        if self.require_two_factor is None:
            self.require_two_factor = not self.environment.local
        return self


# What a process that holds no keys is never given (`holds_keys`).
_KEYS = (
    "pseudonym_key",
    "address_key",
    "rasa_token",
    "twilio_account_sid",
    "twilio_auth_token",
    "telegram_bot_token",
    "telegram_webhook_secret",
)


def _key_problems(settings: Settings) -> list[str]:
    """Keys no environment can work with."""
    problems = [
        f"{name} is empty"
        for name, value in (
            ("RAHNUMA_PSEUDONYM_KEY", settings.pseudonym_key),
            ("RAHNUMA_RASA_TOKEN", settings.rasa_token),
        )
        if not value
    ]
    try:
        Fernet(settings.address_key)
    except ValueError:
        problems.append(
            "RAHNUMA_ADDRESS_KEY is not 32 bytes in url-safe base64 (`rahnuma keys new` makes one)"
        )
    return problems


def _production_problems(settings: Settings) -> list[str]:
    """Development placeholders and guessable secrets, refused where survivors write."""
    placeholders = {
        "RAHNUMA_PSEUDONYM_KEY": settings.pseudonym_key == _DEV_PSEUDONYM_KEY,
        "RAHNUMA_ADDRESS_KEY": settings.address_key == _DEV_ADDRESS_KEY,
        "RAHNUMA_RASA_TOKEN": settings.rasa_token == _DEV_RASA_TOKEN,
        "RAHNUMA_ORGANISATION_NAME": settings.organisation_name == _DEV_ORGANISATION,
    }
    problems = [f"{name} is the development default" for name, dev in placeholders.items() if dev]
    for name, value in (
        ("RAHNUMA_PSEUDONYM_KEY", settings.pseudonym_key),
        ("RAHNUMA_RASA_TOKEN", settings.rasa_token),
    ):
        if not placeholders[name] and value:
            problems += _guessable(name, value)
    secret = settings.telegram_webhook_secret
    if settings.telegram_bot_token and (
        len(secret) < MIN_WEBHOOK_SECRET_CHARACTERS or set(secret) - _TELEGRAM_SECRET_CHARACTERS
    ):
        problems.append(
            f"RAHNUMA_TELEGRAM_WEBHOOK_SECRET needs {MIN_WEBHOOK_SECRET_CHARACTERS}+ characters, "
            "only letters, digits, _ and -"
        )
    if settings.twilio_account_sid and not settings.twilio_auth_token:
        problems.append("RAHNUMA_TWILIO_AUTH_TOKEN is empty")
    if (settings.twilio_account_sid or settings.twilio_auth_token) and not settings.public_url:
        # Twilio signs the public address it posts to: without it every SMS would get 403.
        problems.append(
            "RAHNUMA_PUBLIC_URL is empty, but Twilio is configured: set it to the https address "
            "Twilio reaches (its /webhooks/twilio is what Twilio signs)"
        )
    return problems


def _guessable(name: str, value: str) -> list[str]:
    """A secret too short, or made of too few different characters, to resist guessing."""
    if len(value) < MIN_SECRET_CHARACTERS:
        return [f"{name} is shorter than {MIN_SECRET_CHARACTERS} characters"]
    if len(set(value)) < MIN_SECRET_DIFFERENT_CHARACTERS:
        return [
            f"{name} has fewer than {MIN_SECRET_DIFFERENT_CHARACTERS} different characters "
            "(a pattern, not a random value: `rahnuma keys new` makes a key, "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"` a token)'
        ]
    return []


def actions_token_problems(settings: Settings) -> list[str]:
    """Why the action server must not start with its token: it would answer anyone."""
    token = settings.actions_token
    if not token:
        return ["RAHNUMA_ACTIONS_TOKEN is empty"]
    if settings.environment is not Environment.PRODUCTION:
        return []
    if token == DEV_ACTIONS_TOKEN:
        return ["RAHNUMA_ACTIONS_TOKEN is the development default"]
    return _guessable("RAHNUMA_ACTIONS_TOKEN", token)


def text_constants(settings: Settings) -> dict[str, dict[str, str]]:
    """Placeholders every message may use, per language ("*" for any other)."""
    name = settings.organisation_name
    return {"organisation": {"*": name, "ur": settings.organisation_name_ur or name}}


SECRETS_DIR = "/run/secrets"  # Docker's secrets, or a read-only mount from a secrets manager


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache to override.

    Any setting may also be a file named like its variable in lower case (for example
    `rahnuma_address_key`) in RAHNUMA_SECRETS_DIR (default /run/secrets), so that keys need
    not sit in an `.env` beside the database (docs/deploy.md). The environment wins.
    """
    secrets = os.environ.get("RAHNUMA_SECRETS_DIR", SECRETS_DIR)
    if Path(secrets).is_dir():
        return Settings(_secrets_dir=secrets)  # type: ignore[call-arg]
    return Settings()
