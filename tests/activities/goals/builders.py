"""Builders for goal setting tests: a course with people in every role and a goal setting
activity, made directly in the database (service tests), and goal flows driven by services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lti_tool.activities.goals.services import Actor, GoalText, Scope
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Context,
    Deployment,
    Membership,
    Person,
    PlacedBy,
    Platform,
    Role,
)

TODAY = date(2026, 11, 26)
SMART = GoalText(
    what="Write a lab report in under two drafts",
    measure="The second draft meets every criterion",
    plan="One draft a week, feedback from a peer",
    relevance="Lab reports are half of the grade",
    by_when=date(2026, 12, 10),
)


@dataclass
class Course:
    activity: Activity
    people: dict[str, Actor]

    def scope(self, today: date = TODAY) -> Scope:
        return Scope.of(self.activity, today, "http://localhost")


def make_course(
    platform: Platform,
    context_key: str = "course-1",
    *,
    points: float = 10,
    students: tuple[str, ...] = ("alice", "bob"),
    phase_dates: dict[str, str] | None = None,
) -> Course:
    deployment = db.session.query(Deployment).filter_by(platform_id=platform.id).first()
    assert deployment is not None
    context = Context(
        platform_id=platform.id,
        deployment_id=deployment.id,
        context_id=context_key,
        title=context_key,
        types=[],
    )
    db.session.add(context)
    db.session.flush()
    people = {}
    roles = {s: Role.STUDENT for s in students} | {"coach": Role.COACH, "prof": Role.FACILITATOR}
    for sub, role in roles.items():
        person = db.session.query(Person).filter_by(
            platform_id=platform.id, sub=sub
        ).first() or Person(platform_id=platform.id, sub=sub, name=sub.title())
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Membership(person_id=person.id, context_id=context.id, raw_roles=[], role=role)
        )
        people[sub] = Actor(person, role)
    activity = create_activity(
        context,
        ActivityConfig("goal_setting", "Goals", points=points, phase_dates=phase_dates or {}),
        created_by=people["prof"].person,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    db.session.flush()
    return Course(activity, people)


def seed_class(activity: Activity, n: int, *, start: int = 0) -> None:
    """`n` more students in the activity's course, in every stage: some not started, the rest
    with an agreed goal (two versions, a response), two check-ins, and every fourth reflected.
    Bulk rows, for overview query counts and the bench."""
    from lti_tool.models import CheckIn, Goal, GoalResponse, GoalVersion, Reflection, utcnow

    context = db.session.get(Context, activity.context_id)
    assert context is not None
    now = utcnow()
    people = [
        Person(platform_id=context.platform_id, sub=f"seed-{i}", name=f"Student {i:05d}")
        for i in range(start, start + n)
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(
        Membership(person_id=p.id, context_id=context.id, raw_roles=[], role=Role.STUDENT)
        for p in people
    )
    goals = [
        Goal(
            activity_id=activity.id,
            person_id=p.id,
            status="reflected" if i % 4 == 0 else ("pending" if i % 4 == 1 else "agreed"),
        )
        for i, p in enumerate(people)
        if i % 5 != 4  # every fifth student has not started
    ]
    db.session.add_all(goals)
    db.session.flush()
    for goal in goals:
        db.session.add_all(
            [
                GoalVersion(
                    goal_id=goal.id, number=1, what="Goal " + str(goal.id), submitted_at=now
                ),
                GoalVersion(
                    goal_id=goal.id, number=2, what="Goal v2 " + str(goal.id), submitted_at=now
                ),
                GoalResponse(
                    goal_id=goal.id,
                    version_number=1,
                    responder_name="Coach",
                    responder_role="coach",
                    decision="suggest",
                    comment="More",
                ),
                CheckIn(goal_id=goal.id, progress=30, confidence=3, evidence="e"),
                CheckIn(goal_id=goal.id, progress=60 + goal.id % 40, confidence=4, evidence="e"),
            ]
        )
        if goal.status == "reflected":
            db.session.add(Reflection(goal_id=goal.id, outcome="partly", learned="l"))
    db.session.flush()
