"""Finalised co-created rubrics, as other activities (goal setting, feedback rounds) read them.

A stable, read-only interface: goal setting links goals to criteria, feedback rounds assess
against a version and record which one. Every call is scoped by the course (context id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import RubricVersion


@dataclass(frozen=True)
class LevelView:
    title: str
    description: str
    points: float


@dataclass(frozen=True)
class CriterionView:
    id: int
    title: str
    description: str
    weight: float
    levels: tuple[LevelView, ...]


@dataclass(frozen=True)
class RubricView:
    version_id: int
    activity_id: int
    title: str
    version: int
    criteria: tuple[CriterionView, ...]


def view_of(version: RubricVersion) -> RubricView:
    content: dict[str, Any] = version.content or {}
    return RubricView(
        version_id=version.id,
        activity_id=version.activity_id,
        title=version.title,
        version=version.number,
        criteria=tuple(
            CriterionView(
                id=int(c["id"]),
                title=c["title"],
                description=c["description"],
                weight=float(c["weight"]),
                levels=tuple(
                    LevelView(lv["title"], lv["description"], float(lv["points"]))
                    for lv in c["levels"]
                ),
            )
            for c in content.get("criteria", [])
        ),
    )


def finalised_rubrics(context_id: int) -> list[RubricView]:
    """The newest published version of each finalised rubric in the course, newest first."""
    newest = (
        select(RubricVersion.activity_id, func.max(RubricVersion.number).label("number"))
        .where(RubricVersion.context_id == context_id)
        .group_by(RubricVersion.activity_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(RubricVersion)
        .join(
            newest,
            (newest.c.activity_id == RubricVersion.activity_id)
            & (newest.c.number == RubricVersion.number),
        )
        .where(RubricVersion.context_id == context_id)
        .order_by(RubricVersion.published_at.desc(), RubricVersion.id.desc())
    )
    return [view_of(v) for v in rows]


def rubric_version(version_id: int, context_id: int) -> RubricView | None:
    """One published version, if it belongs to this course."""
    version = db.session.scalars(
        select(RubricVersion).where(
            RubricVersion.id == version_id, RubricVersion.context_id == context_id
        )
    ).first()
    return view_of(version) if version is not None else None
