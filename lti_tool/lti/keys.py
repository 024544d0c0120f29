"""The tool's RSA signing keys: made on first use, rotated with a grace period, published as JWKS.

`tool_key` records each key's public JWK and status, so every process agrees on which key is
current. The private half is kept where KEY_STORE says (docs/keys.md):
- "database" (default): the `signing_keys` table, encrypted with KEY_ENCRYPTION_KEYS, so machines
  sharing the database share the keys with no shared disk;
- "directory": a PEM file `<kid>.pem` (mode 0600) in LTI_KEYS_DIR, e.g. a mounted secret volume.

Private keys are parsed once into `cryptography` key objects, cached per kid: parsing an RSA key
costs tens of milliseconds (cryptography checks it), a signature a fraction of one. A kid is the
key's thumbprint, so a cached object is never stale; objects of keys no longer current are dropped
when this process rotates, or sees on its next signature that another process has.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.lti.sealing import key_encryption_cipher
from lti_tool.models import SigningKeySecret, ToolKey, ToolKeyStatus, utcnow

KEY_BITS = 2048
DATABASE = "database"
DIRECTORY = "directory"


class MissingKeyFile(RuntimeError):
    """The current key's private half cannot be had: its file is not in LTI_KEYS_DIR, or (database
    store) its row is missing or no KEY_ENCRYPTION_KEYS key opens it."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @cached_property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    @property
    def private_pem(self) -> str:
        """The PEM, for callers that need text (tests, a PEM-only library). Signing code passes
        `private_key` itself so nothing re-parses it."""
        return _pem_of(self.private_key).decode()


# kid -> (file mtime for the directory store or None, loaded key)
_cache: dict[str, tuple[int | None, SigningKey]] = {}
_cache_guard = threading.Lock()


def cached_kids() -> set[str]:
    """The kids whose private key objects this process holds (for tests and the health page)."""
    with _cache_guard:
        return set(_cache)


def _drop_cached_except(kid: str | None) -> None:
    with _cache_guard:
        for other in [k for k in _cache if k != kid]:
            del _cache[other]


def _settings():  # type: ignore[no-untyped-def]
    return current_app.extensions["coproduce.settings"]


def key_store() -> str:
    return str(_settings().KEY_STORE)


def _cipher():  # type: ignore[no-untyped-def]
    settings = _settings()
    return key_encryption_cipher(settings.SECRET_KEY, settings.KEY_ENCRYPTION_KEYS)


def rfc7638_thumbprint(public_jwk: dict[str, str]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) used as the kid."""
    members = {k: public_jwk[k] for k in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk_of(private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    return {"kty": "RSA", "e": jwk["e"], "n": jwk["n"]}


def _pem_of(private_key: rsa.RSAPrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_pem(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise MissingKeyFile("a stored signing key is not an RSA key")
    return key


def _write_private_key(keys_dir: Path, kid: str, private_key: rsa.RSAPrivateKey) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / f"{kid}.pem"
    # O_EXCL + 0600: never widen the mode of, or overwrite, an existing key file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(_pem_of(private_key))


def seal_private_key(private_key: rsa.RSAPrivateKey) -> str:
    return _cipher().encrypt(_pem_of(private_key)).decode()


def create_key(keys_dir: Path) -> ToolKey:
    """Generate a new current RSA key: its private half in the key store, its record in the
    session (flushed, so the one-current-key index speaks now)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    jwk = public_jwk_of(private_key)
    kid = rfc7638_thumbprint(jwk)
    key = ToolKey(kid=kid, public_jwk=jwk, status=ToolKeyStatus.CURRENT)
    db.session.add(key)
    db.session.flush()
    if key_store() == DATABASE:
        db.session.add(SigningKeySecret(kid=kid, sealed_private_key=seal_private_key(private_key)))
        db.session.flush()
    else:
        _write_private_key(keys_dir, kid, private_key)
    return key


def current_key_record() -> ToolKey | None:
    return db.session.scalars(
        select(ToolKey)
        .where(ToolKey.status == ToolKeyStatus.CURRENT)
        .order_by(ToolKey.created_at.desc())
    ).first()


def ensure_current_key(keys_dir: Path) -> ToolKey:
    """The current key, creating the first one on first use. Two processes starting together
    both try; the one-current-key unique index lets one insert win and the other reads it."""
    key = current_key_record()
    if key is not None:
        return key
    try:
        with db.session.begin_nested():
            key = create_key(keys_dir)
    except IntegrityError:
        key = current_key_record()
        if key is None:
            raise
        return key
    db.session.commit()
    return key


def _load_from_directory(keys_dir: Path, kid: str) -> SigningKey:
    path = keys_dir / f"{kid}.pem"
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise MissingKeyFile(
            f"private key file {path} is missing for the current key {kid}; "
            "restore it or run `flask --app lti_tool keys rotate`"
        ) from exc
    with _cache_guard:
        cached = _cache.get(kid)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    loaded = SigningKey(kid=kid, private_key=_load_pem(path.read_bytes()))
    with _cache_guard:
        _cache[kid] = (mtime, loaded)
    return loaded


def _load_from_database(keys_dir: Path, kid: str) -> SigningKey:
    with _cache_guard:
        cached = _cache.get(kid)
    if cached is not None:
        return cached[1]
    sealed = db.session.scalar(
        select(SigningKeySecret.sealed_private_key).where(SigningKeySecret.kid == kid)
    )
    if sealed is None:
        private_key = _import_key_file(keys_dir, kid)
    else:
        try:
            private_key = _load_pem(_cipher().decrypt(sealed.encode()))
        except (InvalidToken, ValueError) as exc:
            raise MissingKeyFile(
                f"no KEY_ENCRYPTION_KEYS key opens the private key of the current key {kid}; "
                "put the key it was sealed with back in KEY_ENCRYPTION_KEYS, or run "
                "`flask --app lti_tool keys rotate`"
            ) from exc
    loaded = SigningKey(kid=kid, private_key=private_key)
    with _cache_guard:
        _cache[kid] = (None, loaded)
    return loaded


def _import_key_file(keys_dir: Path, kid: str) -> rsa.RSAPrivateKey:
    """A key made while KEY_STORE was "directory": its file, sealed into the database on first
    use (its own transaction, whatever the caller does with theirs), so switching stores keeps
    the current key."""
    path = keys_dir / f"{kid}.pem"
    if not path.exists():
        raise MissingKeyFile(
            f"the private key of the current key {kid} is neither in the database nor in "
            f"{path}; run `flask --app lti_tool keys rotate`"
        )
    private_key = _load_pem(path.read_bytes())
    try:
        with db.engine.begin() as conn:
            conn.execute(
                insert(SigningKeySecret).values(
                    kid=kid, sealed_private_key=seal_private_key(private_key), created_at=utcnow()
                )
            )
    except IntegrityError:
        pass  # another process imported it first
    return private_key


def signing_key(keys_dir: Path) -> SigningKey:
    """The current key as a loaded key object, for signing client assertions and responses.
    One indexed read of `tool_key` per call, so a rotation by any process is seen at once."""
    record = ensure_current_key(keys_dir)
    if key_store() == DATABASE:
        key = _load_from_database(keys_dir, record.kid)
    else:
        key = _load_from_directory(keys_dir, record.kid)
    if len(_cache) > 1:
        _drop_cached_except(record.kid)
    return key


def rotate(keys_dir: Path) -> ToolKey:
    """Make a new current key; the old current key stays published as 'previous'."""
    now = utcnow()
    for old in db.session.scalars(select(ToolKey).where(ToolKey.status == ToolKeyStatus.CURRENT)):
        old.status = ToolKeyStatus.PREVIOUS
        old.rotated_at = now
    db.session.flush()  # before the insert: at most one current key at any moment
    key = create_key(keys_dir)
    db.session.commit()
    _drop_cached_except(None)
    return key


def reseal_private_keys() -> int:
    """Re-encrypt every stored private key with the first KEY_ENCRYPTION_KEYS key (after putting
    a new key in front). Returns how many were resealed; raises if a key cannot be opened."""
    cipher = _cipher()
    count = 0
    for row in db.session.scalars(select(SigningKeySecret)):
        row.sealed_private_key = cipher.rotate(row.sealed_private_key.encode()).decode()
        count += 1
    db.session.commit()
    return count


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
    with _cache_guard:
        _cache.pop(kid, None)
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
    """The JWKS document: every key that is current, or previous within the grace period.
    The public halves are in `tool_key` whatever the key store, so both publish the same."""
    ensure_current_key(keys_dir)
    now = utcnow()
    keys = [
        {**k.public_jwk, "kid": k.kid, "alg": "RS256", "use": "sig"}
        for k in all_keys()
        if is_published(k, grace, now)
    ]
    return {"keys": keys}
