"""Who did what in the admin console, the CLI or dynamic registration: an Event per action,
written in the same transaction as the action itself."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

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


def recent_events(platform_id: int | None, limit: int = 200) -> list[Event]:
    """Newest first; an LMS administrator sees only their platform's events."""
    query = select(Event).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    if platform_id is not None:
        query = query.where(Event.platform_id == platform_id)
    return list(db.session.scalars(query))
