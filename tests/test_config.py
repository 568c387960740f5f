from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_production_refuses_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="RAHNUMA_PSEUDONYM_KEY"):
        Settings()


def test_production_starts_with_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    monkeypatch.setenv("RAHNUMA_PSEUDONYM_KEY", "a-real-secret")
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", "cmVhbC1hZGRyZXNzLWtleS0zMi1ieXRlcy1sb25nISE=")
    monkeypatch.setenv("RAHNUMA_RASA_TOKEN", "a-real-token")
    monkeypatch.setenv("RAHNUMA_ORGANISATION_NAME", "Sahil Trust")
    assert Settings().environment == "production"


def test_production_names_a_real_organisation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule 1: the first reply says who runs the service; the demo name can't go live."""
    monkeypatch.setenv("RAHNUMA_ENVIRONMENT", "production")
    monkeypatch.setenv("RAHNUMA_PSEUDONYM_KEY", "a-real-secret")
    monkeypatch.setenv("RAHNUMA_ADDRESS_KEY", "cmVhbC1hZGRyZXNzLWtleS0zMi1ieXRlcy1sb25nISE=")
    monkeypatch.setenv("RAHNUMA_RASA_TOKEN", "a-real-token")
    with pytest.raises(ValueError, match="RAHNUMA_ORGANISATION_NAME"):
        Settings()
