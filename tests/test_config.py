"""Settings fail closed: an unnamed environment is production, and weak keys never start."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Environment, Settings, actions_token_problems, get_settings
from bot.privacy.identity import Vault, pseudonym

REAL_PSEUDONYM_KEY = "a-real-pseudonym-key-of-48-random-characters-xyz"
REAL_RASA_TOKEN = "a-real-engine-token-of-40-characters-abcd"
REAL_ADDRESS_KEY = "cmVhbC1hZGRyZXNzLWtleS0zMi1ieXRlcy1sb25nISE="


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Production with real secrets; each test spoils one of them."""
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    monkeypatch.setenv("RAHNUMA_PSEUDONYM_KEY", REAL_PSEUDONYM_KEY)
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", REAL_ADDRESS_KEY)
    monkeypatch.setenv("RAHNUMA_RASA_TOKEN", REAL_RASA_TOKEN)
    monkeypatch.setenv("RAHNUMA_ORGANISATION_NAME", "Sahil Trust")
    return monkeypatch


def refusal(**env: str) -> str:
    """The error Settings() raises with these variables set (on top of the test's)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with pytest.raises(ValidationError) as refused:
            Settings()
    return str(refused.value)


def test_production_refuses_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="RAHNUMA_PSEUDONYM_KEY"):
        Settings()


def test_production_starts_with_real_secrets(production: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.environment == "production"
    assert settings.simulator_enabled is False  # off unless enabled
    assert settings.secure_cookies


def test_production_names_a_real_organisation(production: pytest.MonkeyPatch) -> None:
    """Rule 1: the first reply says who runs the service; the demo name can't go live."""
    production.delenv("RAHNUMA_ORGANISATION_NAME")
    with pytest.raises(ValueError, match="RAHNUMA_ORGANISATION_NAME"):
        Settings()


def test_an_unnamed_environment_is_production_and_refuses_the_development_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RAHNUMA_ENVIRONMENT")
    message = refusal()
    assert "RAHNUMA_ENVIRONMENT is not set" in message
    for name in ("RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_ADDRESS_KEY", "RAHNUMA_RASA_TOKEN"):
        assert f"{name} is the development default" in message


def test_an_unnamed_environment_with_real_secrets_runs_as_production(
    production: pytest.MonkeyPatch,
) -> None:
    production.delenv("RAHNUMA_ENVIRONMENT")
    settings = Settings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.simulator_enabled is False
    assert settings.require_two_factor is True  # workers and admins need their phone's code


@pytest.mark.parametrize("environment", ["development", "test"])
def test_a_named_local_environment_starts_with_the_development_keys(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", environment)
    settings = Settings()
    assert settings.environment == environment
    assert settings.simulator_enabled is True  # the simulator is how one tries it out
    assert settings.require_two_factor is False  # staff made by hand sign in with a password


def test_production_may_switch_two_step_sign_in_off_only_by_name(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("RAHNUMA_REQUIRE_TWO_FACTOR", "false")
    assert Settings().require_two_factor is False


def test_the_simulator_can_be_switched_on_in_production_only_by_name(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("RAHNUMA_SIMULATOR_ENABLED", "true")
    assert Settings().simulator_enabled is True


@pytest.mark.parametrize("name", ["RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_RASA_TOKEN"])
def test_production_refuses_a_short_key_and_never_echoes_it(
    production: pytest.MonkeyPatch, name: str
) -> None:
    message = refusal(**{name: "s3cret-but-short"})
    assert f"{name} is shorter than 32 characters" in message
    assert "s3cret-but-short" not in message
    for secret in (REAL_PSEUDONYM_KEY, REAL_RASA_TOKEN, REAL_ADDRESS_KEY):
        assert secret not in message


@pytest.mark.parametrize("name", ["RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_RASA_TOKEN"])
@pytest.mark.parametrize("weak", ["a" * 32, "ab" * 20, "password" * 4, "abc123" * 6], ids=repr)
def test_production_refuses_a_long_key_made_of_a_pattern(
    production: pytest.MonkeyPatch, name: str, weak: str
) -> None:
    """Length alone let 32 × "a" through (review F6): a key needs ten different characters."""
    message = refusal(**{name: weak})
    assert f"{name} has fewer than 10 different characters" in message
    assert weak not in message


@pytest.mark.parametrize(
    "random_value",
    [secrets.token_urlsafe(32), secrets.token_hex(16), secrets.token_urlsafe(48)],
    ids=["token_urlsafe(32)", "token_hex(16)", "rahnuma keys new"],
)
def test_production_takes_any_random_key(production: pytest.MonkeyPatch, random_value: str) -> None:
    production.setenv("RAHNUMA_PSEUDONYM_KEY", random_value)
    production.setenv("RAHNUMA_RASA_TOKEN", random_value[::-1])
    assert Settings().pseudonym_key == random_value


def test_production_refuses_twilio_without_the_public_url_it_signs(
    production: pytest.MonkeyPatch,
) -> None:
    """Twilio signs {PUBLIC_URL}/webhooks/twilio: without it every SMS would get a silent 403
    (review F19g), so the gateway refuses to start and says why."""
    production.setenv("RAHNUMA_TWILIO_ACCOUNT_SID", "AC0123")
    production.setenv("RAHNUMA_TWILIO_AUTH_TOKEN", "twilio-auth-token")
    message = refusal(RAHNUMA_PUBLIC_URL="")
    assert "RAHNUMA_PUBLIC_URL is empty, but Twilio is configured" in message
    assert "twilio-auth-token" not in message
    production.setenv("RAHNUMA_PUBLIC_URL", "https://rahnuma.example.org")
    assert Settings().public_url == "https://rahnuma.example.org"


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("name", ["RAHNUMA_PSEUDONYM_KEY", "RAHNUMA_RASA_TOKEN"])
def test_an_empty_key_is_refused_everywhere(
    production: pytest.MonkeyPatch, environment: str, name: str
) -> None:
    production.setenv("RAHNUMA_ENVIRONMENT", environment)
    assert f"{name} is empty" in refusal(**{name: ""})


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("key", ["", "not-a-key", "c2hvcnQ="])
def test_an_address_key_that_is_not_32_bytes_is_refused_everywhere(
    production: pytest.MonkeyPatch, environment: str, key: str
) -> None:
    production.setenv("RAHNUMA_ENVIRONMENT", environment)
    message = refusal(RAHNUMA_ADDRESS_KEY=key)
    assert "RAHNUMA_ADDRESS_KEY is not 32 bytes" in message
    assert "not-a-key" not in message


@pytest.mark.parametrize("secret", ["", "short-secret", "has spaces but long enough!"])
def test_telegram_in_production_needs_a_webhook_secret_it_accepts(
    production: pytest.MonkeyPatch, secret: str
) -> None:
    production.setenv("RAHNUMA_TELEGRAM_BOT_TOKEN", "123456:telegram-token")
    message = refusal(RAHNUMA_TELEGRAM_WEBHOOK_SECRET=secret)
    assert "RAHNUMA_TELEGRAM_WEBHOOK_SECRET" in message
    assert "telegram-token" not in message


def test_telegram_with_a_good_webhook_secret_starts(production: pytest.MonkeyPatch) -> None:
    production.setenv("RAHNUMA_TELEGRAM_BOT_TOKEN", "123456:telegram-token")
    production.setenv("RAHNUMA_TELEGRAM_WEBHOOK_SECRET", "a_good-secret_0123456789")
    assert Settings().telegram_webhook_secret


def test_keys_can_live_in_files_outside_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A read-only mount from a secrets manager, or Docker's /run/secrets (issue 18, item 9):
    the key is read from its file; a variable in the environment still wins."""
    from_file = "k" * 40
    (tmp_path / "rahnuma_pseudonym_key").write_text(from_file)
    monkeypatch.setenv("RAHNUMA_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("RAHNUMA_PSEUDONYM_KEY", raising=False)
    get_settings.cache_clear()
    assert get_settings().pseudonym_key == from_file
    monkeypatch.setenv("RAHNUMA_PSEUDONYM_KEY", "e" * 40)
    get_settings.cache_clear()
    assert get_settings().pseudonym_key == "e" * 40
    get_settings.cache_clear()


def test_a_process_that_holds_no_keys_starts_without_them_and_drops_any_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The action server (review F11): production, no key in its environment, and a key
    there anyway (an `.env` beside it) is not kept in the process."""
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    monkeypatch.setenv("RAHNUMA_ORGANISATION_NAME", "Sahil Trust")
    monkeypatch.setenv("RAHNUMA_HOLDS_KEYS", "false")
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", REAL_ADDRESS_KEY)
    monkeypatch.setenv("RAHNUMA_TELEGRAM_BOT_TOKEN", "123:telegram-token")
    settings = Settings()
    assert settings.pseudonym_key == settings.address_key == settings.rasa_token == ""
    assert settings.telegram_bot_token == settings.twilio_auth_token == ""
    with pytest.raises(ValueError, match="no pseudonym key"):
        pseudonym(settings.pseudonym_key, "sms", "+923001234567")
    with pytest.raises(ValueError, match="32 bytes"):
        Vault(settings.address_key)


def test_the_action_servers_token_must_be_real_in_production(
    production: pytest.MonkeyPatch,
) -> None:
    assert actions_token_problems(Settings()) == [
        "RAHNUMA_ACTIONS_TOKEN is the development default"
    ]
    production.setenv("RAHNUMA_ACTIONS_TOKEN", "short")
    assert "shorter than" in actions_token_problems(Settings())[0]
    production.setenv("RAHNUMA_ACTIONS_TOKEN", secrets.token_urlsafe(32))
    assert actions_token_problems(Settings()) == []
    production.setenv("RAHNUMA_ENVIRONMENT", "development")
    production.setenv("RAHNUMA_ACTIONS_TOKEN", "")
    assert actions_token_problems(Settings()) == ["RAHNUMA_ACTIONS_TOKEN is empty"]
