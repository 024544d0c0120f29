"""Goal setting's events: who did what to which goal, when. The change log ("you said, we did")
and later analytics read them; rows are only ever added."""

from __future__ import annotations

from typing import Any

from lti_tool.extensions import db
from lti_tool.models import Activity, ActorKind, Event, Person


def record_event(
    actor: Person,
    activity: Activity,
    verb: str,
    object_type: str,
    object_id: int | None,
    role: str,
    **data: Any,
) -> Event:
    event = Event(
        actor_kind=ActorKind.PERSON,
        actor_id=actor.id,
        actor_label=actor.display_name,
        platform_id=actor.platform_id,
        context_id=activity.context_id,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        data={"activity_id": activity.id, "role": role, **data},
    )
    db.session.add(event)
    return event
