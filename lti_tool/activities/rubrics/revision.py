"""A "revise the rubric" phase: another activity (feedback rounds) that assessed with a version
of this course's co-created rubric sends it back to proposals, with the evidence of how its
criteria worked. Students propose changes with that evidence in view; the facilitator takes the
activity through its phases again and publishes the next version (versions.publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.rubrics.services import RubricError, move_phase, setup_of
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person, RubricVersion
from lti_tool.models.reliability import RubricRevision


def open_revision(
    context_id: int,
    version_id: int,
    by: Person,
    *,
    source_activity_id: int,
    evidence: Sequence[dict[str, Any]],
    confirmed: bool = False,
    reason: str = "",
) -> RubricRevision:
    """Move the rubric activity that published `version_id` (in this course only) back to
    proposals and record why. It is a move back like any other (activities.phase_moves): it
    needs the facilitator's confirmation and a reason, which students read on the rubric."""
    version = db.session.scalars(
        select(RubricVersion).where(
            RubricVersion.id == version_id, RubricVersion.context_id == context_id
        )
    ).first()
    activity = db.session.get(Activity, version.activity_id) if version is not None else None
    if version is None or activity is None or activity.context_id != context_id:
        raise RubricError("RUBRIC_NOT_FOUND", _l("That rubric is not one of this course."), 404)
    move_phase(activity, setup_of(activity), "propose", by, confirmed=confirmed, reason=reason)
    row = RubricRevision(
        activity_id=activity.id,
        source_activity_id=source_activity_id,
        from_version_id=version.id,
        evidence=list(evidence),
        opened_by_id=by.id,
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        by,
        "rubric.revision_opened",
        "activity",
        activity.id,
        activity=activity,
        from_version=version.number,
        source_activity_id=source_activity_id,
    )
    return row


def latest_revision(activity: Activity) -> RubricRevision | None:
    return db.session.scalars(
        select(RubricRevision)
        .where(RubricRevision.activity_id == activity.id)
        .order_by(RubricRevision.id.desc())
    ).first()


def newer_version(version_id: int, context_id: int) -> RubricVersion | None:
    """The newest version of the same rubric, if one was published after `version_id`."""
    current = db.session.scalars(
        select(RubricVersion).where(
            RubricVersion.id == version_id, RubricVersion.context_id == context_id
        )
    ).first()
    if current is None:
        return None
    return db.session.scalars(
        select(RubricVersion)
        .where(
            RubricVersion.activity_id == current.activity_id,
            RubricVersion.context_id == context_id,
            RubricVersion.number > current.number,
        )
        .order_by(RubricVersion.number.desc())
    ).first()
