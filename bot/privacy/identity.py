"""Survivor identity: a pseudonym for everything downstream, the address kept encrypted.

The pseudonym is an HMAC of channel and address under a secret key, so the same person
gets the same pseudonym without the address being stored in clear (DESIGN.md decision 4).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def pseudonym(key: str, channel: str, address: str) -> str:
    """A stable, non-reversible id for one person on one channel."""
    if not key:  # a process that holds no keys (the action server) names nobody
        raise ValueError("no pseudonym key in this process")
    digest = hmac.new(key.encode(), f"{channel}:{address}".encode(), hashlib.sha256).digest()
    return "p_" + base64.b32encode(digest[:20]).decode().lower().rstrip("=")


class Vault:
    """Encrypts what must be kept but never read in clear: addresses, messages awaiting the engine.

    Fernet: AES-128-CBC with an HMAC, from the `cryptography` package.
    """

    def __init__(self, key: str, *previous: str) -> None:
        """Seals with `key`; opens with it or any `previous` key (during a key rotation)."""
        self._fernet = MultiFernet([_fernet(k) for k in (key, *previous)])

    def seal(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode())

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken as exc:
            raise ValueError("address can't be decrypted with this key") from exc

    def reseal(self, sealed: bytes) -> bytes:
        """The same secret, sealed with the current key (opened with any known key)."""
        try:
            return self._fernet.rotate(sealed)
        except InvalidToken as exc:
            raise ValueError("can't be decrypted with any known key") from exc


def _fernet(key: str) -> Fernet:
    raw = base64.urlsafe_b64decode(key.encode())
    if len(raw) != 32:
        raise ValueError("the address key must be 32 bytes, urlsafe base64 encoded")
    return Fernet(base64.urlsafe_b64encode(raw))
