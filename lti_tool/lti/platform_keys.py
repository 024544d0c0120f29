"""Platforms' public keys (JWKS): cached in the database with a TTL, refetched on an unknown kid.

Platforms rotate keys (D2L roughly hourly), so a kid we have not seen is a reason to look again,
not to refuse; but we look again at most once per MIN_REFETCH_INTERVAL, so a forged kid cannot
make us hammer the platform.

Fetches are single-flight: one fetch per key set URL in flight in a process, and whoever waited
for it reads what it stored instead of fetching again (20 launches with unknown kids at once make
one fetch). A failed fetch is remembered for FAILURE_TTL (a negative cache): while a platform's
key set is down, launches are refused at once instead of each waiting for its own timeout.
Both are per process (per app): with N workers, at most N fetches per interval.

Parsed keys are also kept in process (`platform_public_key`) for at most MEMORY_TTL seconds and
never past the stored key set's expiry, so a returning launch neither reads the key set row nor
parses the RSA key again. A kid not in that copy goes through the database path above, so a
rotation another worker already fetched is seen at once; a key the platform stopped publishing
is dropped within MEMORY_TTL.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt
import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.lti.addresses import InternalAddressError, current_policy
from lti_tool.lti.errors import LtiError, unauthorized, upstream_failed
from lti_tool.lti.http import new_session
from lti_tool.models import PlatformKeySet, utcnow

log = logging.getLogger(__name__)

# Never refetch the same key set more often than this, whatever kids arrive.
MIN_REFETCH_INTERVAL = timedelta(seconds=10)
# After a failed fetch, refuse launches needing that key set this long without fetching.
FAILURE_TTL = 30.0
# How long a parsed key is used in process without looking at the stored key set again.
MEMORY_TTL = 30.0


@dataclass
class KeySetFetches:
    """The per-process state of fetches: a lock per URL, and the recent failures."""

    guard: threading.Lock = field(default_factory=threading.Lock)
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    failures: dict[str, tuple[float, LtiError]] = field(default_factory=dict)
    # (key set URL, kid) -> (monotonic expiry, the parsed public key)
    parsed: dict[tuple[str, str], tuple[float, Any]] = field(default_factory=dict)

    def lock_for(self, url: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(url, threading.Lock())

    def recent_failure(self, url: str) -> LtiError | None:
        failure = self.failures.get(url)
        if failure is None or failure[0] <= time.monotonic():
            return None
        return failure[1]


def fetches() -> KeySetFetches:
    """This app's fetch state (kept on the app, so each app, and each test, has its own)."""
    from flask import current_app

    state = current_app.extensions.get("coproduce.jwks_fetches")
    if state is None:
        state = current_app.extensions.setdefault("coproduce.jwks_fetches", KeySetFetches())
    return state  # type: ignore[no-any-return]


def _fetch(url: str, timeout: int) -> dict[str, Any]:
    # Checked again at each fetch, not only at registration: a host name can be re-pointed at
    # the tool's own network after it was registered.
    policy = current_policy()
    try:
        policy.check("key_set_url", url)
    except InternalAddressError as exc:
        raise upstream_failed(
            "JWKS_INTERNAL_ADDRESS",
            _l(
                "The LMS's public keys are on an internal network address, which this installation "
                "does not call. Ask the tool's administrators (PLATFORM_URL_ALLOW_INTERNAL)."
            ),
            str(exc),
        ) from exc
    try:
        response = new_session().get(url, timeout=timeout, allow_redirects=not policy.refuse)
    except requests.RequestException as exc:
        raise upstream_failed(
            "JWKS_UNAVAILABLE",
            _l(
                "The LMS's public keys could not be fetched, so the launch cannot be verified. "
                "Please try again in a few minutes."
            ),
            f"{url}: {exc}",
        ) from exc
    if response.status_code != 200:
        raise upstream_failed(
            "JWKS_UNAVAILABLE",
            _l(
                "The LMS's public keys could not be fetched, so the launch cannot be verified. "
                "Please try again in a few minutes."
            ),
            f"{url}: HTTP {response.status_code}",
        )
    try:
        document = response.json()
    except ValueError as exc:
        raise upstream_failed(
            "JWKS_INVALID", _l("The LMS published its keys in a form we cannot read."), url
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise upstream_failed(
            "JWKS_INVALID", _l("The LMS published its keys in a form we cannot read."), url
        )
    return document


def _store(url: str, document: dict[str, Any], ttl: int) -> PlatformKeySet:
    now = utcnow()
    row = db.session.scalars(
        select(PlatformKeySet).where(PlatformKeySet.key_set_url == url)
    ).first()
    if row is None:
        row = PlatformKeySet(key_set_url=url, jwks_json="{}", expires_at=now)
        db.session.add(row)
    row.jwks_json = json.dumps(document)
    row.fetched_at = now
    row.expires_at = now + timedelta(seconds=ttl)
    return row


def _find(document: dict[str, Any], kid: str) -> dict[str, Any] | None:
    for key in document.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None


def _cached_row(url: str) -> PlatformKeySet | None:
    # populate_existing: after waiting for another thread's fetch, read what it stored.
    return db.session.scalars(
        select(PlatformKeySet)
        .where(PlatformKeySet.key_set_url == url)
        .execution_options(populate_existing=True)
    ).first()


def _from_cache(url: str, kid: str) -> dict[str, Any] | None:
    """The key from a fresh cached key set; None if a fetch is due; raises KID_UNKNOWN when
    the key set was fetched too recently to look again."""
    now = utcnow()
    row = _cached_row(url)
    if row is None or row.expires_at <= now:
        return None
    key = _find(json.loads(row.jwks_json), kid)
    if key is not None:
        return key
    if now - row.fetched_at < MIN_REFETCH_INTERVAL:
        raise _unknown_kid(kid, url)
    return None


def find_platform_key(url: str, kid: str, *, ttl: int, timeout: int) -> dict[str, Any]:
    """The platform's JWK with this kid, from the cache or a (re)fetch.

    A fetched key set is committed at once: it is a cache of public facts, not part of the launch,
    and keeping it even when the launch then fails spares the platform a fetch per bad launch.
    Validation runs before anything of the launch is written, so this commit carries nothing else.
    """
    key = _from_cache(url, kid)
    if key is not None:
        return key
    state = fetches()
    with state.lock_for(url):
        failure = state.recent_failure(url)
        if failure is not None:
            raise failure
        key = _from_cache(url, kid)  # another thread may have fetched while we waited
        if key is not None:
            return key
        log.info("kid %s not in the cached key set of %s: fetching it", kid, url)
        try:
            document = _fetch(url, timeout)
        except LtiError as exc:
            state.failures[url] = (time.monotonic() + FAILURE_TTL, exc)
            metrics.jwks_fetch(ok=False)
            raise
        metrics.jwks_fetch(ok=True)
        state.failures.pop(url, None)
        _store(url, document, ttl)
        db.session.commit()
    key = _find(document, kid)
    if key is None:
        raise _unknown_kid(kid, url)
    return key


def platform_public_key(url: str, kid: str, *, ttl: int, timeout: int) -> Any:
    """The platform's RS256 public key with this kid, parsed, from the in-process copy when it
    is fresh; else from find_platform_key. Keys that are not RS256 RSA keys are refused and
    never kept."""
    state = fetches()
    now = time.monotonic()
    hit = state.parsed.get((url, kid))
    if hit is not None and hit[0] > now:
        return hit[1]
    jwk = find_platform_key(url, kid, ttl=ttl, timeout=timeout)
    if jwk.get("alg", "RS256") != "RS256" or jwk.get("kty") != "RSA":
        raise unauthorized(
            "ALG_NOT_ALLOWED", _l("The LMS key for this launch is not an RS256 key.")
        )
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256").key
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise unauthorized(
            "TOKEN_INVALID", _l("The launch could not be verified."), str(exc)
        ) from exc
    row_left = _seconds_left(url)
    state.parsed[(url, kid)] = (now + min(MEMORY_TTL, row_left), key)
    return key


def _seconds_left(url: str) -> float:
    """Seconds until the stored key set expires (0 when there is none)."""
    row = db.session.scalars(
        select(PlatformKeySet.expires_at).where(PlatformKeySet.key_set_url == url)
    ).first()
    if row is None:
        return 0.0
    return max(0.0, (row - utcnow()).total_seconds())


def _unknown_kid(kid: str, url: str) -> LtiError:
    return unauthorized(
        "KID_UNKNOWN",
        _l("The launch was signed with a key the LMS does not publish."),
        f"kid {kid!r} not in {url}",
    )
