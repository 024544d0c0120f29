"""Short-lived per-process copies of registrations (Platform) and deployments for login and
launch, so a returning student's login runs no SQL and a launch does not read them again.

What is kept: active platforms by (issuer, client_id) and active deployments by
(platform id, deployment_id), as detached copies that each request merges into its own session
without a query (`Session.merge(load=False)`). What is never kept: misses, disabled platforms,
pending or inactive deployments: those are the error paths, read from the database each time,
so an admin's approval or re-activation works at once everywhere.

Staleness: an entry lives `ttl` seconds at most (REGISTRATION_CACHE_SECONDS). A change to a
platform or deployment flushed in this process drops this process's whole cache at once (a
session event); other processes see it within the TTL. Disabling a platform therefore takes
effect in other workers within that many seconds, which is the trade-off written down in
docs/database.md. The cache belongs to the app (each app, and each test, has its own).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from lti_tool.extensions import db
from lti_tool.lti.tool_config import find_deployment, find_platform
from lti_tool.models import Deployment, DeploymentStatus, Platform

EXTENSION = "coproduce.registration_cache"
DEFAULT_TTL = 30.0

T = TypeVar("T", Platform, Deployment)


class RegistrationCache:
    """Thread-safe map of key -> (expiry, detached copy)."""

    def __init__(self, ttl: float = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def get(self, key: tuple[Any, ...]) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def registration_cache() -> RegistrationCache:
    """This app's cache (made by create_app; made here with the default TTL otherwise)."""
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION, RegistrationCache())
    return cache  # type: ignore[no-any-return]


def _detached_copy(row: T) -> T:
    """A copy of the row's columns, detached, that never belongs to any session itself."""
    mapper = inspect(type(row))
    copy = type(row)()
    for attr in mapper.column_attrs:
        value = getattr(row, attr.key)
        setattr(copy, attr.key, list(value) if isinstance(value, list) else value)
    make_transient_to_detached(copy)
    return copy


def _cached(
    key: tuple[Any, ...], load: Callable[[], T | None], keep: Callable[[T], bool]
) -> T | None:
    cache = registration_cache()
    hit = cache.get(key)
    if hit is not None:
        # No SQL: the copy's state becomes this session's instance (or the one already there).
        return db.session.merge(hit, load=False)  # type: ignore[no-any-return]
    row = load()
    if row is not None and keep(row):
        cache.put(key, _detached_copy(row))
    return row


def cached_platform(issuer: str, client_id: str | None) -> Platform | None:
    """find_platform for login and launch, through the cache."""
    return _cached(
        ("platform", issuer, client_id),
        lambda: find_platform(issuer, client_id),
        lambda p: p.is_active,
    )


def cached_deployment(platform: Platform, deployment_id: str) -> Deployment | None:
    """find_deployment for launch, through the cache."""
    return _cached(
        ("deployment", platform.id, deployment_id),
        lambda: find_deployment(platform, deployment_id),
        lambda d: d.status == DeploymentStatus.ACTIVE,
    )


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """A platform or deployment written in this process: drop the copies now."""
    if not has_app_context():
        return
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Platform | Deployment):
            cache = current_app.extensions.get(EXTENSION)
            if cache is not None:
                cache.clear()
            return
