"""The one event recorder: every `Event` row (audit log, change logs, analytics) is written here.

`record_event(actor, verb, object_type, object_id, *, activity=..., platform_id=..., **data)`:
the actor is a person who launched, an admin console or CLI actor (anything with `kind`, `id`
and `label`), or None for the tool itself. Text bounded by its column (a display name, a verb,
an object id) is cut to the column's length, so a 401-character LMS name is recorded, not
refused by the database. The row joins the caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from lti_tool.extensions import db
from lti_tool.models import Activity, ActorKind, Event, Person

SYSTEM_LABEL = "Coproduce"


class EventActor(Protocol):
    """Who acted, when not a launched person: the admin console's and the CLI's actors."""

    @property
    def kind(self) -> ActorKind: ...
    @property
    def id(self) -> int | None: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class ToolActor:
    """The tool itself acting, under a label that says which part of it (e.g. a gradebook
    link); `record_event(None, ...)` records plain "Coproduce"."""

    label: str
    kind: ActorKind = ActorKind.SYSTEM
    id: int | None = None


def _bounded(column: str, value: str) -> str:
    length = getattr(Event.__table__.c[column].type, "length", None)
    return value[:length] if length else value


def record_event(
    actor: Person | EventActor | None,
    verb: str,
    object_type: str,
    object_id: object = None,
    *,
    activity: Activity | None = None,
    platform_id: int | None = None,
    context_id: int | None = None,
    **data: Any,
) -> Event:
    """Add one event to the session. With `activity`, the event is scoped to its course and
    platform and its data names the activity."""
    if isinstance(actor, Person):
        kind, actor_id, label = ActorKind.PERSON, actor.id, actor.display_name
    elif actor is None:
        kind, actor_id, label = ActorKind.SYSTEM, None, SYSTEM_LABEL
    else:
        kind, actor_id, label = actor.kind, actor.id, actor.label
    if activity is not None:
        context_id = activity.context_id if context_id is None else context_id
        if platform_id is None:
            platform_id = activity.context.platform_id
        data = {"activity_id": activity.id, **data}
    event = Event(
        actor_kind=_bounded("actor_kind", str(kind)),
        actor_id=actor_id,
        actor_label=_bounded("actor_label", label or ""),
        platform_id=platform_id,
        context_id=context_id,
        verb=_bounded("verb", verb),
        object_type=_bounded("object_type", object_type),
        object_id=None if object_id is None else _bounded("object_id", str(object_id)),
        data=data,
    )
    db.session.add(event)
    return event
