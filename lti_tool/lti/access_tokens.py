"""OAuth2 access tokens for LTI Advantage services (Security Framework 4.1: client credentials
with a JWT client assertion signed by the tool's current key).

Tokens are kept in the database, keyed by (issuer, client_id, scopes), and reused by every
process until shortly before they expire: platforms rate-limit their token endpoints, and
pylti1p3 keeps a token only as long as one connector object lives. Within a process a lock per
key makes concurrent callers wait for one request instead of each making their own.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
import requests
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.lti.keys import signing_key
from lti_tool.lti.sealing import seal, unseal
from lti_tool.models import AccessToken, utcnow

if TYPE_CHECKING:
    from lti_tool.lti.services import PlatformRef

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEFAULT_EXPIRES_IN = 3600
# Renew this long before expiry, so a token is never used as it runs out in flight.
MAX_MARGIN_SECONDS = 120

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def cache_key(issuer: str, client_id: str, scopes: Sequence[str]) -> str:
    joined = "\n".join([issuer, client_id, " ".join(sorted(set(scopes)))])
    return hashlib.sha256(joined.encode()).hexdigest()


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def assertion_audience(platform: PlatformRef) -> str:
    """The client assertion's `aud`. LTI Dynamic Registration 1.0 §3.5 says a platform's
    `authorization_server` is the audience when it gives one, but Canvas publishes a bare host
    name there (e.g. "canvas.instructure.com") and accepts only an `aud` containing its token
    URL (canvas-lms lib/canvas/security/jwt_validator.rb, `aud`: it must intersect the token
    URL, else 400 "the 'aud' is invalid"). So: Canvas, or an audience that is not a URL, gets
    the token URL; another platform's configured audience URL is used as it is."""
    audience = (platform.audience or "").strip()
    if platform.product_family == "canvas" or not audience.startswith(("https://", "http://")):
        return platform.token_url
    return audience


def client_assertion(platform: PlatformRef, keys_dir: Path) -> str:
    key = signing_key(keys_dir)
    now = int(time.time())
    body = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": assertion_audience(platform),
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    # The loaded key object, not its PEM: a PEM would be parsed (~tens of ms) on every call.
    return jwt.encode(body, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def _margin(expires_in: float) -> timedelta:
    return timedelta(seconds=min(MAX_MARGIN_SECONDS, expires_in / 10))


def _cached(key: str) -> tuple[str, float] | None:
    """(token, seconds left) of the stored token, on a connection of its own so the caller's
    transaction is never committed by a token lookup."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(AccessToken.token, AccessToken.expires_at, AccessToken.created_at).where(
                AccessToken.cache_key == key
            )
        ).first()
    if row is None:
        return None
    token = _read_token(row.token)
    if token is None:
        return None
    now = utcnow()
    lifetime = (row.expires_at - row.created_at).total_seconds()
    if row.expires_at - _margin(lifetime) <= now:
        return None
    return token, (row.expires_at - now).total_seconds()


def _stored_token(token: str) -> str:
    """What the token row keeps: the token encrypted (lti/sealing.py), so a database read alone
    cannot call the platform."""
    return seal(token)


def _read_token(stored: str) -> str | None:
    """The token of a row; None (as if absent, so a new one is requested) when it cannot be
    decrypted: a retired key, or a plaintext row from before encryption."""
    return unseal(stored)


def _store(
    key: str, platform: PlatformRef, scopes: Sequence[str], token: str, expires_in: float
) -> None:
    now = utcnow()
    values = {
        "cache_key": key,
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "scopes": " ".join(sorted(set(scopes))),
        "token": _stored_token(token),
        "created_at": now,
        "expires_at": now + timedelta(seconds=expires_in),
    }
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(AccessToken).where(AccessToken.cache_key == key))
            conn.execute(insert(AccessToken).values(**values))
    except IntegrityError:
        pass  # another process stored its fresh token at the same moment; both are valid


def request_token(
    platform: PlatformRef,
    scopes: Sequence[str],
    *,
    keys_dir: Path,
    session: requests.Session,
    timeout: float,
) -> tuple[str, float]:
    """Ask the platform's token endpoint; (token, expires_in seconds)."""
    from lti_tool.lti.services import ServiceError, retry_after_seconds

    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(platform, keys_dir),
        "scope": " ".join(sorted(set(scopes))),
    }
    try:
        response = session.post(
            platform.token_url, data=form, headers={"Accept": "application/json"}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise ServiceError(
            f"token endpoint {platform.token_url} failed: {type(exc).__name__}", during="token"
        ) from exc
    if response.status_code != 200:
        raise ServiceError(
            f"token endpoint answered {response.status_code}",
            status=response.status_code,
            body=response.text[:500],
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            during="token",
        )
    try:
        document = response.json()
        token = document["access_token"]
        expires_in = float(document.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ServiceError(
            "token endpoint answered without an access_token", status=200, during="token"
        ) from exc
    if not isinstance(token, str) or not token:
        raise ServiceError("token endpoint answered an empty token", status=200, during="token")
    return token, expires_in


def access_token(
    platform: PlatformRef,
    scopes: Sequence[str],
    *,
    keys_dir: Path,
    session: requests.Session,
    timeout: float,
    replacing: str | None = None,
) -> str:
    """A valid token for `scopes`: the shared cached one, or a new one. With `replacing` (a token
    the platform just refused), a new one unless someone already stored a different one."""
    key = cache_key(platform.issuer, platform.client_id, scopes)
    with _lock_for(key):
        cached = _cached(key)
        if cached is not None and cached[0] != replacing:
            return cached[0]
        try:
            token, expires_in = request_token(
                platform, scopes, keys_dir=keys_dir, session=session, timeout=timeout
            )
        except Exception:
            metrics.token_fetch(platform.id, ok=False)
            raise
        metrics.token_fetch(platform.id, ok=True)
        _store(key, platform, scopes, token, expires_in)
        return token
