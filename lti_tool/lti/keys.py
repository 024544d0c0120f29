"""The tool's RSA signing keys: made on first use, rotated with a grace period, published as JWKS.

The private half of each key is a PEM file `<kid>.pem` (mode 0600) in LTI_KEYS_DIR; the database
records each key's public JWK and status, so every process agrees on which key is current.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import ToolKey, ToolKeyStatus, utcnow

KEY_BITS = 2048


class MissingKeyFile(RuntimeError):
    """The database names a current key whose private file is not in LTI_KEYS_DIR."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str


@lru_cache(maxsize=16)
def _load_key_file(path: Path, mtime_ns: int) -> tuple[str, str]:
    """(private PEM, public PEM) of a key file. Cached per file version: loading an RSA key makes
    cryptography re-check it, which costs tens of milliseconds, and keys change only on rotation."""
    pem = path.read_text()
    private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return pem, public_pem


def rfc7638_thumbprint(public_jwk: dict[str, str]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) used as the kid."""
    import base64
    import hashlib

    members = {k: public_jwk[k] for k in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk_of(private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    return {"kty": "RSA", "e": jwk["e"], "n": jwk["n"]}


def _write_private_key(keys_dir: Path, kid: str, private_key: rsa.RSAPrivateKey) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = keys_dir / f"{kid}.pem"
    # O_EXCL + 0600: never widen the mode of, or overwrite, an existing key file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def create_key(keys_dir: Path) -> ToolKey:
    """Generate a new RSA key, store its private half on disk and its record in the session."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    jwk = public_jwk_of(private_key)
    kid = rfc7638_thumbprint(jwk)
    _write_private_key(keys_dir, kid, private_key)
    key = ToolKey(kid=kid, public_jwk=jwk, status=ToolKeyStatus.CURRENT)
    db.session.add(key)
    return key


def current_key_record() -> ToolKey | None:
    return db.session.scalars(
        select(ToolKey)
        .where(ToolKey.status == ToolKeyStatus.CURRENT)
        .order_by(ToolKey.created_at.desc())
    ).first()


def ensure_current_key(keys_dir: Path) -> ToolKey:
    """The current key, creating the first one on first use."""
    key = current_key_record()
    if key is None:
        key = create_key(keys_dir)
        db.session.commit()
    return key


def signing_key(keys_dir: Path) -> SigningKey:
    """The current key with its private PEM, for signing client assertions and responses."""
    key = ensure_current_key(keys_dir)
    path = keys_dir / f"{key.kid}.pem"
    try:
        private_pem, public_pem = _load_key_file(path, path.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise MissingKeyFile(
            f"private key file {path} is missing for the current key {key.kid}; "
            "restore it or run `flask --app lti_tool keys rotate`"
        ) from exc
    return SigningKey(kid=key.kid, private_pem=private_pem, public_pem=public_pem)


def rotate(keys_dir: Path) -> ToolKey:
    """Make a new current key; the old current key stays published as 'previous'."""
    now = utcnow()
    for old in db.session.scalars(select(ToolKey).where(ToolKey.status == ToolKeyStatus.CURRENT)):
        old.status = ToolKeyStatus.PREVIOUS
        old.rotated_at = now
    key = create_key(keys_dir)
    db.session.commit()
    return key


def retire(kid: str) -> ToolKey:
    """Stop publishing a key at once. The current key cannot be retired (rotate first)."""
    key = db.session.get(ToolKey, kid)
    if key is None:
        raise LookupError(f"no key with kid {kid}")
    if key.status == ToolKeyStatus.CURRENT:
        raise ValueError("the current key cannot be retired; rotate first")
    key.status = ToolKeyStatus.RETIRED
    key.retired_at = utcnow()
    db.session.commit()
    return key


def is_published(key: ToolKey, grace: timedelta, now: datetime) -> bool:
    if key.status == ToolKeyStatus.CURRENT:
        return True
    if key.status == ToolKeyStatus.PREVIOUS and key.rotated_at is not None:
        return now < key.rotated_at + grace
    return False


def all_keys() -> list[ToolKey]:
    return list(db.session.scalars(select(ToolKey).order_by(ToolKey.created_at)))


def published_jwks(keys_dir: Path, grace: timedelta) -> dict[str, list[dict[str, str]]]:
    """The JWKS document: every key that is current, or previous within the grace period."""
    ensure_current_key(keys_dir)
    now = utcnow()
    keys = [
        {**k.public_jwk, "kid": k.kid, "alg": "RS256", "use": "sig"}
        for k in all_keys()
        if is_published(k, grace, now)
    ]
    return {"keys": keys}
