"""Secrets the tool keeps in its database, encrypted (Fernet: AES-128-CBC with HMAC-SHA256).

Platform access tokens are bearer credentials: whoever reads one from a backup or through a SQL
injection could call the LMS's services as the tool until it expires (issue 11, item 9). Stored
encrypted, a database read alone is worth nothing.

Keys: TOKEN_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first; the first encrypts, all
decrypt, so a rotation adds the new key in front and drops the old one later). When it is empty,
one key is derived from SECRET_KEY with HKDF, so an installation is encrypted with nothing to set;
changing SECRET_KEY then makes the stored tokens unreadable, which costs only a new token request
(a token that cannot be decrypted is treated as absent).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DERIVATION_INFO = b"coproduce/access-token-encryption/v1"
KEY_DERIVATION_INFO = b"coproduce/signing-key-encryption/v1"


def parse_keys(configured: str, setting: str = "TOKEN_ENCRYPTION_KEYS") -> list[str]:
    """The configured keys; ValueError names a key that is not a Fernet key."""
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{setting}: key {number} is not a Fernet key") from exc
    return keys


def derived_key(secret_key: str, info: bytes = DERIVATION_INFO) -> str:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


@lru_cache(maxsize=8)
def cipher(secret_key: str, configured: str) -> MultiFernet:
    keys = parse_keys(configured) or [derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in keys])


@lru_cache(maxsize=8)
def key_encryption_cipher(secret_key: str, configured: str) -> MultiFernet:
    """The cipher for the tool's private signing keys (KEY_ENCRYPTION_KEYS, same format as
    TOKEN_ENCRYPTION_KEYS). Empty derives one from SECRET_KEY under its own HKDF label, so the
    two secrets never share a key; settings refuse that fallback in production."""
    keys = parse_keys(configured, "KEY_ENCRYPTION_KEYS") or [
        derived_key(secret_key, KEY_DERIVATION_INFO)
    ]
    return MultiFernet([Fernet(k) for k in keys])


def current_cipher() -> MultiFernet:
    from flask import current_app

    settings = current_app.extensions["coproduce.settings"]
    return cipher(settings.SECRET_KEY, settings.TOKEN_ENCRYPTION_KEYS)


def seal(plain: str) -> str:
    return current_cipher().encrypt(plain.encode()).decode()


def unseal(stored: str) -> str | None:
    """The plain text, or None when no configured key opens it (a key dropped, a plaintext row
    from before encryption): the caller treats it as not stored."""
    try:
        return current_cipher().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def reseal(stored: str) -> str | None:
    """The same secret encrypted with the current first key (for a key rotation)."""
    try:
        return current_cipher().rotate(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None
