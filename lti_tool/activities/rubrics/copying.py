"""A rubric co-creation activity made from last term's (activities.copying): its settings, and
its finalised rubric as the new activity's first version, with where it came from. The class's
proposals, comments, votes and level drafts stay behind."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lti_tool.activities.rubrics.services import PHASES, setup_of
from lti_tool.activities.rubrics.versions import latest_version
from lti_tool.extensions import db
from lti_tool.models import Activity, Criterion, Level, RubricSetup, RubricVersion

SETTINGS = (
    "anonymous",
    "vote_mode",
    "dot_budget",
    "criteria_count",
    "criteria_threshold",
    "level_points",
    "seed",
    "participation_scored",
)


def copy_rubric(source: Activity, activity: Activity, *, provenance: str) -> str | None:
    """Copy the settings and the latest published version; "v<N>" of the source when there
    was one (the provenance's detail), else None."""
    old = db.session.scalars(
        select(RubricSetup).where(RubricSetup.activity_id == source.id)
    ).first()
    setup = setup_of(activity)
    if old is not None:
        for name in SETTINGS:
            value = getattr(old, name)
            setattr(setup, name, list(value) if isinstance(value, list) else value)
    version = latest_version(source)
    if version is None:
        return None
    criteria: list[dict[str, Any]] = []
    for position, item in enumerate(version.content.get("criteria", [])):
        criterion = Criterion(
            activity_id=activity.id,
            title=str(item.get("title", ""))[:120],
            description=str(item.get("description", "")),
            selected=True,
            manual_weight=float(item.get("weight", 0.0)),
        )
        db.session.add(criterion)
        db.session.flush()
        levels = list(item.get("levels", []))
        for index, level in enumerate(levels):
            db.session.add(
                Level(
                    criterion_id=criterion.id,
                    position=index,
                    title=str(level.get("title", ""))[:80],
                    description=str(level.get("description", "")),
                    points=float(level.get("points", 0.0)),
                )
            )
        criteria.append({**item, "id": criterion.id, "levels": levels, "position": position})
    for item in criteria:
        item.pop("position", None)
    db.session.add(
        RubricVersion(
            activity_id=activity.id,
            context_id=activity.context_id,
            number=1,
            title=activity.title,
            content={"criteria": criteria},
            note=_(
                "Copied %(provenance)s, v%(number)d.", provenance=provenance, number=version.number
            ),
            published_by_id=None,
        )
    )
    # The rubric is finished: the new class uses it (and may revise it) rather than start over.
    setup.phase = PHASES[-1]
    return f"v{version.number}"
