"""Fault injection for the sandbox's LTI Advantage services, settable by tests and benchmarks
(PUT /sandbox/api/faults): latency, server errors, rate limiting with Retry-After, timeouts,
an outage until a given time, and access tokens refused as expired.

Settings live in the sandbox's database table, so every server process and thread applies the
same ones; they also carry the roster size and page size the NRPS endpoint serves.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from flask import Response, jsonify

from lti_tool.extensions import db
from lti_tool.sandbox.store import SandboxSetting

SETTING = "faults"


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0  # added to every service call
    error_rate: float = 0.0  # share of calls answered 500
    rate_limit_rate: float = 0.0  # share answered 429 with Retry-After
    retry_after_seconds: int = 1
    # Share of calls that sleep timeout_seconds, then are served: the client has given up by
    # then, yet the platform did the work (a score sent again must not count twice).
    timeout_rate: float = 0.0
    timeout_seconds: float = 15.0
    down_until: float = 0.0  # epoch seconds: every call answers 503 until then
    expired_token_rate: float = 0.0  # share answered 401 as if the token had expired
    token_endpoint_faults: bool = False  # apply the above to the token endpoint too
    token_ttl_seconds: int = 3600
    roster_size: int = 0  # NRPS: extra generated students up to this many members
    page_size: int = 50  # NRPS and line item pages, unless the client asks for a limit

    @classmethod
    def from_json(cls, raw: Any) -> Faults:
        if not isinstance(raw, dict):
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                raise ValueError(f"unknown fault setting {key!r}")
            kind = {"int": int, "float": float, "bool": bool}[str(known[key])]
            values[key] = kind(value)
        return cls(**values)


def current() -> Faults:
    row = db.session.get(SandboxSetting, SETTING)
    return Faults.from_json(row.value if row else None)


def save(faults: Faults) -> Faults:
    row = db.session.get(SandboxSetting, SETTING)
    if row is None:
        row = SandboxSetting(name=SETTING, value={})
        db.session.add(row)
    row.value = asdict(faults)
    db.session.commit()
    return faults


# Not faults but the course's shape: a reset of the faults keeps them.
COURSE_SHAPE = ("roster_size", "page_size", "token_ttl_seconds")


def update(changes: dict[str, Any], *, reset: bool = False) -> Faults:
    """Change some settings; the others keep their value, or with `reset` the faults go back
    to none (the roster and page sizes stay)."""
    checked = Faults.from_json(changes)
    base = current()
    if reset:
        base = Faults(**{k: getattr(base, k) for k in COURSE_SHAPE})
    return save(replace(base, **{k: getattr(checked, k) for k in changes}))


def _error(status: int, message: str, **headers: str) -> Response:
    response = jsonify({"errors": {"type": "sandbox_fault", "message": message}})
    response.status_code = status
    for name, value in headers.items():
        response.headers[name] = value
    return response


def inject(faults: Faults, *, token_endpoint: bool = False) -> Response | None:
    """A fault response for this call, or None to serve it normally (after the latency)."""
    if token_endpoint and not faults.token_endpoint_faults:
        return None
    db.session.rollback()  # hold no transaction while sleeping
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if faults.down_until and time.time() < faults.down_until:
        return _error(503, "the LMS is down for maintenance")
    draw = random.random()  # noqa: S311 - fault injection, not security
    for rate, fault in (
        (faults.error_rate, "error"),
        (faults.rate_limit_rate, "rate"),
        (faults.timeout_rate, "timeout"),
        (faults.expired_token_rate, "expired"),
    ):
        if draw < rate:
            if fault == "error":
                return _error(500, "injected server error")
            if fault == "rate":
                return _error(
                    429, "too many requests", **{"Retry-After": str(faults.retry_after_seconds)}
                )
            if fault == "timeout":
                time.sleep(faults.timeout_seconds)
                return None
            return _error(
                401,
                "access token expired",
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        draw -= rate
    return None
