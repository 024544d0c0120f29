"""Platforms' public keys (JWKS): cached in the database with a TTL, refetched on an unknown kid.

Platforms rotate keys (D2L roughly hourly), so a kid we have not seen is a reason to look again,
not to refuse; but we look again at most once per launch, so a forged kid cannot make us hammer
the platform.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.errors import LtiError, unauthorized, upstream_failed
from lti_tool.lti.http import new_session
from lti_tool.models import PlatformKeySet, utcnow

log = logging.getLogger(__name__)

# Never refetch the same key set more often than this, whatever kids arrive.
MIN_REFETCH_INTERVAL = timedelta(seconds=10)


def _fetch(url: str, timeout: int) -> dict[str, Any]:
    try:
        response = new_session().get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise upstream_failed(
            "JWKS_UNAVAILABLE",
            "The LMS's public keys could not be fetched, so the launch cannot be verified. "
            "Please try again in a few minutes.",
            f"{url}: {exc}",
        ) from exc
    if response.status_code != 200:
        raise upstream_failed(
            "JWKS_UNAVAILABLE",
            "The LMS's public keys could not be fetched, so the launch cannot be verified. "
            "Please try again in a few minutes.",
            f"{url}: HTTP {response.status_code}",
        )
    try:
        document = response.json()
    except ValueError as exc:
        raise upstream_failed(
            "JWKS_INVALID", "The LMS published its keys in a form we cannot read.", url
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise upstream_failed(
            "JWKS_INVALID", "The LMS published its keys in a form we cannot read.", url
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


def find_platform_key(url: str, kid: str, *, ttl: int, timeout: int) -> dict[str, Any]:
    """The platform's JWK with this kid, from the cache or a (re)fetch.

    A fetched key set is committed at once: it is a cache of public facts, not part of the launch,
    and keeping it even when the launch then fails spares the platform a fetch per bad launch.
    Validation runs before anything of the launch is written, so this commit carries nothing else.
    """
    now = utcnow()
    row = db.session.scalars(
        select(PlatformKeySet).where(PlatformKeySet.key_set_url == url)
    ).first()
    if row is not None and row.expires_at > now:
        document = json.loads(row.jwks_json)
        key = _find(document, kid)
        if key is not None:
            return key
        if now - row.fetched_at < MIN_REFETCH_INTERVAL:
            raise _unknown_kid(kid, url)
        log.info("unknown kid %s for %s: refetching the key set", kid, url)
    document = _fetch(url, timeout)
    _store(url, document, ttl)
    db.session.commit()
    key = _find(document, kid)
    if key is None:
        raise _unknown_kid(kid, url)
    return key


def _unknown_kid(kid: str, url: str) -> LtiError:
    return unauthorized(
        "KID_UNKNOWN",
        "The launch was signed with a key the LMS does not publish.",
        f"kid {kid!r} not in {url}",
    )
