from __future__ import annotations

import base64

import pytest

from bot.privacy.identity import Vault, pseudonym

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_pseudonym_is_stable_per_channel_and_hides_the_address() -> None:
    a = pseudonym("secret", "sms", "+923001234567")
    assert a == pseudonym("secret", "sms", "+923001234567")
    assert a != pseudonym("secret", "telegram", "+923001234567")
    assert a != pseudonym("other", "sms", "+923001234567")
    assert "923001234567" not in a


def test_addresses_are_sealed_and_opened() -> None:
    vault = Vault(KEY)
    sealed = vault.seal("+923001234567")
    assert b"923001234567" not in sealed
    assert vault.open(sealed) == "+923001234567"
    with pytest.raises(ValueError, match="decrypted"):
        Vault(base64.urlsafe_b64encode(b"x" * 32).decode()).open(sealed)


def test_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Vault(base64.urlsafe_b64encode(b"short").decode())
