"""What a launch may reach inside its course: released activities and a Mentor's mentees.

Course-wide roles (coach, facilitator, an administrator's launch) reach every activity of the
course. A student or a mentor reaches an activity only through one of its links that they have
launched: the LMS decides who sees which link (release dates, modules, groups), and an id typed
into a URL must not get round that. A mentor sees only the people of `role_scope_mentor` who are
members of the course.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.auth.current import AccessDenied, current_launch
from lti_tool.auth.sessions import has_launched_activity
from lti_tool.extensions import db
from lti_tool.models import Activity, Membership, Person, Role

RELEASE_BOUND = (Role.STUDENT, Role.MENTOR)


def may_open_activity(role: Role, person_id: int, activity_id: int) -> bool:
    if role in RELEASE_BOUND:
        return has_launched_activity(person_id, activity_id)
    return True


class _Kind(Protocol):
    """What the check needs of an activity kind (lti_tool.activities.kinds.ActivityKind)."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...


def course_activity(activity_id: int, kind: _Kind | None = None) -> Activity:
    """The activity, only if it belongs to the launch's course and this launch may open it
    (and is of `kind`, when given); 404 otherwise."""
    launch = current_launch()
    activity = (
        db.session.scalars(
            select(Activity).where(
                Activity.id == activity_id, Activity.context_id == launch.context.id
            )
        ).first()
        if launch.context is not None
        else None
    )
    if activity is None:
        raise AccessDenied(
            "ACTIVITY_NOT_FOUND", _l("This activity is not part of the course you opened."), 404
        )
    # Checked on every request against the links this person has launched (issue 11): the
    # same answer as for an activity of another course, so an id probe learns nothing.
    if not may_open_activity(launch.role, launch.person.id, activity.id):
        raise AccessDenied(
            "ACTIVITY_NOT_FOUND",
            _l("This activity is not open to you here. Open it from its link in your course."),
            404,
        )
    if kind is not None and activity.kind != kind.key:
        raise AccessDenied(
            "ACTIVITY_NOT_FOUND",
            _l("This is not a %(kind)s activity.", kind=str(kind.name).lower()),
            404,
        )
    return activity


def mentees_in_course(platform_id: int, context_id: int, subs: Iterable[str]) -> list[Person]:
    """The mentor's mentees who are members of this course, by name."""
    wanted = list(subs)
    if not wanted:
        return []
    people = db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Person.platform_id == platform_id,
            Person.sub.in_(wanted),
            Membership.context_id == context_id,
        )
    ).all()
    return sorted(people, key=lambda p: (p.display_name, p.id))


def is_mentee(platform_id: int, subs: Iterable[str], person: Person) -> bool:
    return person.platform_id == platform_id and person.sub in set(subs)
