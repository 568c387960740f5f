"""One typed settings object for the whole app, read from the environment and `.env`."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# The Rasa actions, by package name: the action server and the content check load it so.
ACTIONS_PACKAGE = "actions"

# Development defaults: refused outside development (see `_refuse_placeholder_secrets`).
_DEV_PSEUDONYM_KEY = "dev-pseudonym-key-change-me"
_DEV_ADDRESS_KEY = "ZGV2LWFkZHJlc3Mta2V5LWNoYW5nZS1tZS0wMDAwMDA="  # 32 bytes, urlsafe b64
_DEV_RASA_TOKEN = "dev-rasa-token"  # noqa: S105 - a known placeholder, refused in production
_DEV_ORGANISATION = "Rahnuma demo"  # not a real organisation: refused in production


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAHNUMA_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
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
    seed_services_file: Path = ROOT / "data" / "seed" / "services_pk.yaml"
    gazetteer_file: Path = ROOT / "data" / "seed" / "districts_pk.yaml"

    # Who runs this service, named in the first reply (SAFETY.md rule 1): the deploying
    # organisation's own name, in Latin letters and, if it has one, in Urdu script.
    organisation_name: str = _DEV_ORGANISATION
    organisation_name_ur: str = ""

    default_language: str = "en"
    simulator_enabled: bool = True
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

    @property
    def secure_cookies(self) -> bool:
        if self.console_secure_cookies is not None:
            return self.console_secure_cookies
        return self.environment is Environment.PRODUCTION

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            placeholders = {
                "RAHNUMA_PSEUDONYM_KEY": self.pseudonym_key == _DEV_PSEUDONYM_KEY,
                "RAHNUMA_ADDRESS_KEY": self.address_key == _DEV_ADDRESS_KEY,
                "RAHNUMA_RASA_TOKEN": self.rasa_token == _DEV_RASA_TOKEN,
                "RAHNUMA_ORGANISATION_NAME": self.organisation_name == _DEV_ORGANISATION,
            }
            if self.telegram_bot_token and len(self.telegram_webhook_secret) < 16:
                placeholders["RAHNUMA_TELEGRAM_WEBHOOK_SECRET (16+ characters)"] = True
            if self.twilio_account_sid and not self.twilio_auth_token:
                placeholders["RAHNUMA_TWILIO_AUTH_TOKEN"] = True
            missing = [name for name, is_default in placeholders.items() if is_default]
            if missing:
                raise ValueError(
                    "refusing to start in production with development secrets: "
                    + ", ".join(missing)
                )
        return self


def text_constants(settings: Settings) -> dict[str, dict[str, str]]:
    """Placeholders every message may use, per language ("*" for any other)."""
    name = settings.organisation_name
    return {"organisation": {"*": name, "ur": settings.organisation_name_ur or name}}


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache to override."""
    return Settings()
