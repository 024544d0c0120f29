"""Who did what in the admin console, the CLI or dynamic registration: an Event per action,
written in the same transaction as the action itself."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import ActorKind, Event


@dataclass(frozen=True)
class Actor:
    """Someone acting on registrations. `platform_id` limits them to one platform's registration
    (an LMS administrator who came in by a launch); None means the whole installation."""

    kind: ActorKind
    label: str
    id: int | None = None
    platform_id: int | None = None

    @property
    def is_installation_admin(self) -> bool:
        return self.platform_id is None

    def may_manage(self, platform_id: int) -> bool:
        return self.platform_id is None or self.platform_id == platform_id


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(kind=ActorKind.CLI, label=f"command line ({user})")


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="Coproduce")


def record(
    actor: Actor,
    verb: str,
    object_type: str,
    object_id: object = None,
    *,
    platform_id: int | None = None,
    **data: Any,
) -> Event:
    """Add an audit event to the session; the caller's commit writes it with the action."""
    return record_event(actor, verb, object_type, object_id, platform_id=platform_id, **data)


# Which events the audit log shows: the console's and registration's own (no course), the
# activities' (a course), or both.
AUDIT_KINDS = {
    "console": _l("Registrations and console"),
    "activity": _l("Activities"),
    "all": _l("All"),
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    kind: str = "console"
    platform_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    events: list[Event]
    page: int
    has_next: bool


def recent_events(platform_id: int | None, limit: int = 200) -> list[Event]:
    """Newest first; an LMS administrator sees only their platform's events."""
    query = select(Event).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    if platform_id is not None:
        query = query.where(Event.platform_id == platform_id)
    return list(db.session.scalars(query))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_page(scope_platform_id: int | None, wanted: AuditFilter) -> AuditPage:
    """One page of events, newest first. `scope_platform_id` is the admin's own limit (an LMS
    administrator sees only their platform, whatever the filter asks)."""
    query = select(Event).order_by(Event.occurred_at.desc(), Event.id.desc())
    platform_id = scope_platform_id if scope_platform_id is not None else wanted.platform_id
    if platform_id is not None:
        query = query.where(Event.platform_id == platform_id)
    if wanted.kind == "console":
        query = query.where(Event.context_id.is_(None))
    elif wanted.kind == "activity":
        query = query.where(Event.context_id.is_not(None))
    if wanted.since is not None:
        query = query.where(
            Event.occurred_at >= datetime.combine(wanted.since, time.min, tzinfo=UTC)
        )
    if wanted.until is not None:
        query = query.where(
            Event.occurred_at
            < datetime.combine(wanted.until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    page = max(1, wanted.page)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return AuditPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)
