"""The course's LMS groups and sections as extension targets (activities.extensions) for every
activity kind: a grant to "lms:<course group id>" reaches each member of that group or section.

Every read is scoped by the activity's course on both the group and the membership row, so a
key naming another course's group is simply not among the choices and a grant to it is
refused; a form's id is never trusted alone.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import select

from lti_tool.activities import extensions
from lti_tool.extensions import db
from lti_tool.models import Activity, CourseGroup, CourseGroupMember, CourseGroupSet

PREFIX = "lms:"


def key_of(group_id: int) -> str:
    return f"{PREFIX}{group_id}"


def _choices(activity: Activity) -> list[tuple[str, str]]:
    rows = list(
        db.session.execute(
            select(CourseGroup.id, CourseGroup.name, CourseGroup.external_id, CourseGroupSet)
            .join(CourseGroupSet, CourseGroupSet.id == CourseGroup.set_id)
            .where(
                CourseGroup.context_id == activity.context_id,
                CourseGroupSet.context_id == activity.context_id,
            )
            # Sections first: they are what a facilitator most often extends as a whole.
            .order_by(
                CourseGroupSet.kind.desc(), CourseGroupSet.name, CourseGroup.name, CourseGroup.id
            )
        )
    )
    labels = [
        _("Section: %(name)s", name=name)
        if group_set.kind == "sections"
        else _("%(set)s: %(name)s", set=group_set.name, name=name)
        for _id, name, _external, group_set in rows
    ]
    # Two groups may share a name in one set (the LMS allows it): their LMS id keeps them apart.
    seen = Counter(labels)
    return [
        (key_of(group_id), label if seen[label] == 1 else f"{label} ({external_id[:12]})")
        for (group_id, _name, external_id, _set), label in zip(rows, labels, strict=True)
    ]


def _memberships(activity: Activity, person_id: int | None = None) -> dict[int, set[str]]:
    query = (
        select(CourseGroupMember.person_id, CourseGroupMember.group_id)
        .join(CourseGroup, CourseGroup.id == CourseGroupMember.group_id)
        .where(
            CourseGroupMember.context_id == activity.context_id,
            CourseGroup.context_id == activity.context_id,
        )
    )
    if person_id is not None:
        query = query.where(CourseGroupMember.person_id == person_id)
    out: dict[int, set[str]] = {}
    for member, group_id in db.session.execute(query):
        out.setdefault(member, set()).add(key_of(group_id))
    return out


def _members(activity: Activity, person_id: int) -> set[str]:
    return _memberships(activity, person_id).get(person_id, set())


def register() -> None:
    extensions.register_group_source(
        extensions.EVERY_KIND, _members, _choices, everyone=_memberships
    )
