"""Short-lived per-process copies of registrations (Platform) and deployments for login and
launch, so a returning student's login runs no SQL and a launch does not read them again.

What is kept: active platforms by (issuer, client_id) and active deployments by
(platform id, deployment_id), as immutable snapshots of their columns (CachedPlatform,
CachedDeployment). Login and launch read only columns of these rows, so a hit hands out the
snapshot itself: no ORM instance, no identity map, no `Session.merge` (three merges were a
tenth of a launch). A miss reads the row and hands out its snapshot too, so callers see one
type. What is never kept: misses, disabled platforms, pending or inactive deployments: those
are the error paths, read from the database each time, so an admin's approval or
re-activation works at once everywhere.

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
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lti_tool.extensions import db
from lti_tool.lti.tool_config import find_platform
from lti_tool.models import Deployment, DeploymentStatus, Platform, PlatformStatus

EXTENSION = "coproduce.registration_cache"
DEFAULT_TTL = 30.0


@dataclass(frozen=True, slots=True)
class CachedPlatform:
    """The columns of a Platform row that login and launch read, as they were when read."""

    id: int
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None
    key_set_url: str
    product_family: str
    status: str
    deployment_policy: str
    storage_origins: tuple[str, ...]
    default_language: str | None = None  # a launch's language when its claim names none

    @property
    def is_active(self) -> bool:
        return self.status == PlatformStatus.ACTIVE

    @classmethod
    def of(cls, row: Platform) -> CachedPlatform:
        return cls(
            id=row.id,
            name=row.name,
            issuer=row.issuer,
            client_id=row.client_id,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            auth_audience=row.auth_audience,
            key_set_url=row.key_set_url,
            product_family=row.product_family,
            status=row.status,
            deployment_policy=row.deployment_policy,
            storage_origins=tuple(row.storage_origins or ()),
            default_language=row.default_language,
        )


@dataclass(frozen=True, slots=True)
class CachedDeployment:
    """The columns of a Deployment row that a launch reads, as they were when read."""

    id: int
    platform_id: int
    deployment_id: str
    status: str

    @classmethod
    def of(cls, row: Deployment) -> CachedDeployment:
        return cls(
            id=row.id,
            platform_id=row.platform_id,
            deployment_id=row.deployment_id,
            status=row.status,
        )


R = TypeVar("R")
T = TypeVar("T", Platform, Deployment)


class RegistrationCache:
    """Thread-safe map of key -> (expiry, snapshot)."""

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


def _cached(
    key: tuple[Any, ...],
    load: Callable[[], T | None],
    snapshot: Callable[[T], R],
    keep: Callable[[R], bool],
) -> R | None:
    cache = registration_cache()
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    row = load()
    if row is None:
        return None
    ref = snapshot(row)
    if keep(ref):
        cache.put(key, ref)
    return ref


def _find_deployment(platform_id: int, deployment_id: str) -> Deployment | None:
    return db.session.scalars(
        select(Deployment).where(
            Deployment.platform_id == platform_id, Deployment.deployment_id == deployment_id
        )
    ).first()


def cached_platform(issuer: str, client_id: str | None) -> CachedPlatform | None:
    """find_platform for login and launch, through the cache."""
    return _cached(
        ("platform", issuer, client_id),
        lambda: find_platform(issuer, client_id),
        CachedPlatform.of,
        lambda p: p.is_active,
    )


def cached_deployment(platform: CachedPlatform, deployment_id: str) -> CachedDeployment | None:
    """find_deployment for launch, through the cache."""
    return _cached(
        ("deployment", platform.id, deployment_id),
        lambda: _find_deployment(platform.id, deployment_id),
        CachedDeployment.of,
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
