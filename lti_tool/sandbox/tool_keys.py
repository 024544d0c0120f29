"""The sandbox, as a platform, verifies what the tool signs (client assertions, deep linking
responses) against the tool's published JWKS, fetched over HTTP like any LMS does, cached for a
few minutes and fetched again for a kid it does not know (the tool rotated its key)."""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests

from lti_tool.lti.http import new_session

TTL_SECONDS = 300
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_guard = threading.Lock()


class ToolSignatureError(Exception):
    """The JWT is not one the tool signed (or cannot be checked); the message says why."""


def _fetch(jwks_url: str) -> dict[str, Any]:
    try:
        response = new_session().get(jwks_url, timeout=5)
        response.raise_for_status()
        keys = {k["kid"]: k for k in response.json()["keys"] if "kid" in k}
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise ToolSignatureError(f"the tool's JWKS at {jwks_url} could not be read: {exc}") from exc
    with _guard:
        _cache[jwks_url] = (time.monotonic(), keys)
    return keys


def _key(jwks_url: str, kid: str) -> Any:
    with _guard:
        cached = _cache.get(jwks_url)
    keys = cached[1] if cached and time.monotonic() - cached[0] < TTL_SECONDS else None
    if keys is None or kid not in keys:
        keys = _fetch(jwks_url)
    if kid not in keys:
        raise ToolSignatureError(f"the tool publishes no key {kid!r}")
    return jwt.PyJWK(keys[kid], algorithm="RS256").key


def verify(token: str, *, jwks_url: str, audience: str, issuer: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolSignatureError(f"not a JWT: {exc}") from exc
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise ToolSignatureError("the JWT must be RS256 with a kid")
    try:
        body = jwt.decode(
            token,
            _key(jwks_url, str(header["kid"])),
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            leeway=60,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise ToolSignatureError(f"the JWT does not verify: {exc}") from exc
    return dict(body)
