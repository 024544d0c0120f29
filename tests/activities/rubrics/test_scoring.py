"""Participation scores go through the outbox, with the final rubric as the artifact."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.activities.rubrics import scoring, services
from lti_tool.extensions import db
from lti_tool.grading.rubrics import Participation, participation_score
from lti_tool.models import Artifact, OutboxScore
from tests.activities.rubrics.helpers import published


def test_the_formula():
    assert participation_score(9, Participation(True, False, False)) == 3
    assert participation_score(10, Participation(True, True, True)) == 10
    assert participation_score(10, Participation(False, False, False)) == 0


def test_a_proposal_records_a_score_and_staff_get_none(course):
    a = course.students[0]
    services.propose(course.activity, course.setup, a, "Clarity", "Clear", "")
    row = scoring.score_participation(course.activity, course.setup, a, tool_base_url="http://t")
    assert row is not None and row.score_given == 3 and row.activity_progress == "InProgress"
    assert (
        scoring.score_participation(
            course.activity, course.setup, course.prof, tool_base_url="http://t"
        )
        is None
    )
    course.setup.participation_scored = False
    assert (
        scoring.score_participation(course.activity, course.setup, a, tool_base_url="http://t")
        is None
    )


def test_publishing_puts_the_rubric_and_change_log_in_every_artifact(course):
    published(course)
    count = scoring.rescore_all(course.activity, course.setup, tool_base_url="http://t")
    db.session.commit()
    assert count == 3
    artifact = db.session.scalars(
        select(Artifact).where(Artifact.person_id == course.students[2].id)
    ).one()
    assert "Essay rubric, version 1" in artifact.body
    assert "“Length”: declined because: Length is not quality" in artifact.body
    assert "Student 0" not in artifact.body
    scores = {r.person_id: r.score_given for r in db.session.scalars(select(OutboxScore))}
    assert scores[course.students[0].id] == 6  # proposed and voted
    assert scores[course.students[2].id] == 3  # proposed only
