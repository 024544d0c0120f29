"""A rubric co-creation activity in a course with a facilitator and students, built directly in
the database for service tests (HTTP tests launch for real, see test_views)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from lti_tool.activities.rubrics import services
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Context,
    Deployment,
    Membership,
    Person,
    PlacedBy,
    RubricSetup,
)
from tests.advantage import live, live_factory  # noqa: F401  (fixtures)


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


@dataclass
class Course:
    context: Context
    activity: Activity
    prof: Person
    students: list[Person]

    @property
    def setup(self) -> RubricSetup:
        return services.setup_of(self.activity)

    def move(self, phase: str) -> None:
        services.move_phase(self.activity, self.setup, phase, self.prof)
        db.session.flush()


def person(context: Context, sub: str, role: str, name: str) -> Person:
    p = Person(platform_id=context.platform_id, sub=sub, name=name)
    db.session.add(p)
    db.session.flush()
    db.session.add(Membership(person_id=p.id, context_id=context.id, role=role, raw_roles=[]))
    return p


def make_course(platform_id: int, course: str = "course-1", students: int = 3, points: float = 9):
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform_id)
    ).first()
    context = Context(
        platform_id=platform_id, deployment_id=deployment.id, context_id=course, title=course
    )
    db.session.add(context)
    db.session.flush()
    prof = person(context, f"{course}-prof", "facilitator", "Pat Prof")
    people = [person(context, f"{course}-s{i}", "student", f"Student {i}") for i in range(students)]
    activity = create_activity(
        context,
        ActivityConfig(kind="rubric_cocreation", title="Essay rubric", points=points),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    db.session.flush()
    return Course(context, activity, prof, people)


@pytest.fixture
def course(ctx, platform) -> Course:
    made = make_course(platform.id)
    db.session.commit()
    return made
