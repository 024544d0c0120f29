"""Walking a rubric activity through its phases at the service level."""

from __future__ import annotations

from lti_tool.activities.rubrics import levels, services, versions, voting
from lti_tool.extensions import db
from lti_tool.models import Criterion, RubricVersion
from tests.activities.rubrics.conftest import Course


def propose_three(course: Course):
    a, b, c = course.students
    s = course.setup
    return (
        services.propose(course.activity, s, a, "Clarity", "Ideas are easy to follow", "Readers"),
        services.propose(course.activity, s, b, "Clear writing", "Plain sentences", ""),
        services.propose(course.activity, s, c, "Length", "At least 3 pages", "Effort"),
    )


def criteria_by_vote(course: Course) -> tuple[Criterion, Criterion]:
    """Two criteria (one merged from two proposals, one accepted), one proposal declined."""
    p1, p2, p3 = propose_three(course)
    p4 = services.propose(
        course.activity, course.setup, course.students[0], "Evidence", "Sources back claims", ""
    )
    course.move("discuss")
    merged = services.merge_proposals(
        course.activity,
        course.setup,
        [p1.id, p2.id],
        "Clarity",
        "Clear ideas, plain words",
        course.prof,
    )
    services.decline_proposal(
        course.activity, course.setup, p3.id, "Length is not quality", course.prof
    )
    accepted = services.accept_proposal(course.activity, course.setup, p4.id, course.prof)
    return merged, accepted


def describe(course: Course, criterion: Criterion, points=(1, 2, 3, 4)) -> None:
    for pos, pts in enumerate(points):
        draft = levels.draft_level(
            course.activity,
            course.setup,
            criterion.id,
            pos,
            course.students[0],
            f"L{pos + 1}",
            f"Level {pos + 1} of {criterion.title}",
        )
        levels.accept_level(
            course.activity,
            course.setup,
            criterion.id,
            pos,
            draft.id,
            draft.title,
            draft.description,
            pts,
            course.prof,
        )


def published(course: Course) -> RubricVersion:
    merged, accepted = criteria_by_vote(course)
    course.move("vote")
    voting.cast_ballot(course.activity, course.setup, course.students[0], {merged.id: 3})
    voting.cast_ballot(
        course.activity, course.setup, course.students[1], {merged.id: 1, accepted.id: 1}
    )
    course.move("describe")
    describe(course, merged)
    describe(course, accepted)
    course.move("finalise")
    version = versions.publish(course.activity, course.setup, course.prof, weights=None)
    db.session.commit()
    return version
