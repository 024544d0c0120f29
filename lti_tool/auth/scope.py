"""What a launch may reach inside its course: released activities and a Mentor's mentees.

Course-wide roles (coach, facilitator, an administrator's launch) reach every activity of the
course. A student or a mentor reaches an activity only through one of its links that they have
launched: the LMS decides who sees which link (release dates, modules, groups), and an id typed
into a URL must not get round that. A mentor sees only the people of `role_scope_mentor` who are
members of the course.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lti_tool.auth.sessions import has_launched_activity
from lti_tool.extensions import db
from lti_tool.models import Membership, Person, Role

RELEASE_BOUND = (Role.STUDENT, Role.MENTOR)


def may_open_activity(role: Role, person_id: int, activity_id: int) -> bool:
    if role in RELEASE_BOUND:
        return has_launched_activity(person_id, activity_id)
    return True


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
