"""Activities: create, change and find them, always within one course.

Plain values in, models out; the caller commits. Finding an activity by id always takes the
course it must belong to, so an id from a URL or a custom parameter never reaches another
course's activity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.kinds import kind_of
from lti_tool.domain import DomainError
from lti_tool.extensions import db
from lti_tool.grading import line_items as columns
from lti_tool.models import Activity, Artifact, Context, OutboxScore, Person, PlacedBy


class KindLocked(DomainError):
    """The activity already holds participants' work: another kind would not see it."""

    default_code = "KIND_LOCKED"
    default_status = 409


@dataclass(frozen=True)
class ActivityConfig:
    kind: str
    title: str
    instructions: str = ""
    points: float = 0.0
    phase_dates: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, activity: Activity) -> ActivityConfig:
        return cls(
            kind=activity.kind,
            title=activity.title,
            instructions=activity.instructions,
            points=activity.points,
            phase_dates=dict(activity.phase_dates or {}),
        )


def new_resource_id() -> str:
    return "coproduce-activity-" + uuid.uuid4().hex


def create_activity(
    context: Context,
    config: ActivityConfig,
    *,
    created_by: Person | None,
    placed_by: PlacedBy,
    column_declared: bool = False,
    launch_lineitem: str | None = None,
) -> Activity:
    """A new activity in `context`, with its gradebook column record (see grading.line_items)."""
    activity = Activity(
        context_id=context.id,
        kind=config.kind,
        title=config.title,
        instructions=config.instructions,
        points=config.points,
        phase_dates=dict(config.phase_dates),
        resource_id=new_resource_id(),
        placed_by=placed_by,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(activity)
    db.session.flush()
    columns.start_line_item(activity, declared=column_declared, launch_lineitem=launch_lineitem)
    return activity


def has_data(activity: Activity) -> bool:
    """Whether anyone has done anything in the activity: its kind says (`has_data`), and a
    score or artifact already sent counts whatever the kind."""
    kind = kind_of(activity.kind)
    if kind is not None and kind.has_data(activity):
        return True
    return any(
        db.session.scalars(select(model.id).where(model.activity_id == activity.id)).first()
        is not None
        for model in (OutboxScore, Artifact)
    )


def update_activity(activity: Activity, config: ActivityConfig) -> Activity:
    """Change the configuration; the gradebook column follows a new title or maximum. The kind
    changes only while the activity is empty (KindLocked otherwise): a goal plan would not
    survive as feedback rounds, and the student's page would open empty."""
    if config.kind != activity.kind and has_data(activity):
        current = kind_of(activity.kind)
        raise KindLocked(
            None,
            _l(
                "This activity stays %(kind)s: participants have already started, and their "
                "work would be lost with another kind. Add a new activity for the other kind "
                "instead.",
                kind=current.name if current else activity.kind,
            ),
        )
    column_changed = activity.title != config.title or activity.points != config.points
    old_points = activity.points
    activity.kind = config.kind
    activity.title = config.title
    activity.instructions = config.instructions
    activity.points = config.points
    activity.phase_dates = dict(config.phase_dates)
    columns.activity_changed(activity, column_changed=column_changed, old_points=old_points)
    return activity


def activity_in_course(activity_id: int, context_id: int) -> Activity | None:
    return db.session.scalars(
        select(Activity).where(Activity.id == activity_id, Activity.context_id == context_id)
    ).first()


def lock_row(row: object, *, shared: bool = False) -> None:
    """Re-read a row under a lock for the rest of the transaction (PostgreSQL `FOR UPDATE`, or
    `FOR SHARE` when `shared`; SQLite has a single writer and ignores it).

    The rule for races: take the lock on the row that decides (the phase's config row, the
    writer's own person row for per-person limits, the allocation a review belongs to) before
    reading what the decision depends on.
    """
    db.session.flush()  # a refresh would drop this transaction's unflushed changes
    db.session.refresh(row, with_for_update={"read": True} if shared else True)
