"""Issue 11 findings 1 and 6, as the attacks: what the attacker sends, what comes back, and
what must not be written. Authority comes from current rows on every request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Activity, Goal, GoalResponse, GoalStatus
from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission
from tests.activities.goals.http import Who
from tests.auth.course import FEEDBACK_LINK, GOALS_LINK, _launch, build_course
from tests.builders import error_code, launch_token_of


@pytest.fixture
def course(app, client, platform, platform_key):
    return build_course(app, client, platform_key)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def alices_goal(course) -> int:
    with course.app.app_context():
        return db.session.scalars(
            select(Goal.id).where(Goal.person_id == course.ids["alice"])
        ).one()


# -- finding 1: a Canvas observer (Mentor) had class-wide coach rights --------------------------


def test_observer_cannot_download_the_feedback_csv(course):
    response = course.who("mentor").get(f"/feedback/{course.feedback}/export.csv")
    assert response.status_code == 403 and error_code(response) == "ROLE_FORBIDDEN"
    body = response.get_data(as_text=True)
    assert "Bob" not in body and "Alice" not in body and response.mimetype == "text/html"


def test_observer_cannot_agree_another_students_goal(course):
    goal_id = alices_goal(course)
    course.who("alice").post(f"/goals/{course.goals}/g/{goal_id}/submit")
    with course.app.app_context():
        before = db.session.get(Goal, goal_id).status
    response = course.who("mentor").post(
        f"/goals/{course.goals}/g/{goal_id}/respond", decision="agree", comment="Fine by me"
    )
    assert response.status_code == 403
    with course.app.app_context():
        assert db.session.get(Goal, goal_id).status == before != GoalStatus.AGREED
    assert count(course.app, GoalResponse) == 0


def test_observer_cannot_write_a_staff_review(course):
    alice = course.who("alice")
    assert alice.post(f"/feedback/{course.feedback}/submit", body="My essay").status_code == 303
    with course.app.app_context():
        submission_id = db.session.scalars(select(FeedbackSubmission.id)).one()
    response = course.who("mentor").post(
        f"/feedback/{course.feedback}/submissions/{submission_id}/staff-review"
    )
    assert response.status_code == 403
    assert count(course.app, FeedbackAllocation) == 0
    # Nor read the submission with its reviewers, nor the class's goals.
    assert (
        course.who("mentor")
        .get(f"/feedback/{course.feedback}/submissions/{submission_id}")
        .status_code
        == 403
    )
    assert course.who("mentor").get(f"/goals/{course.goals}").status_code == 403


def test_observer_reads_only_their_mentees_work(course):
    mentor = course.who("mentor")
    assert mentor.get(f"/artifacts/{course.goals}/{course.ids['alice']}").status_code == 200
    other = mentor.get(f"/artifacts/{course.goals}/{course.ids['bob']}")
    assert other.status_code == 403 and "Bob" not in other.get_data(as_text=True)


def test_observer_scope_follows_the_latest_launch(course, platform_key):
    # The LMS no longer lists Alice as observed (the link between them was removed).
    _launch(
        course.client,
        platform_key,
        "mentor",
        "parent",
        GOALS_LINK,
        **{claims.ROLE_SCOPE_MENTOR: []},
    )
    response = course.who("mentor").get(f"/artifacts/{course.goals}/{course.ids['alice']}")
    assert response.status_code == 403


def test_observer_lands_on_the_mentee_list(course, platform_key):
    launched = _launch(
        course.client,
        platform_key,
        "mentor",
        "parent",
        GOALS_LINK,
        **{claims.ROLE_SCOPE_MENTOR: ["alice"]},
    )
    assert launched.status_code == 303
    page = course.client.get(launched.headers["Location"])
    assert page.status_code == 200 and 'data-testid="mentee-link"' in page.get_data(as_text=True)


# -- finding 6: stale authority -------------------------------------------------------------


def test_demoted_instructor_loses_staff_rights_at_once(course):
    demoted = course.who("demoted")  # the session of the earlier facilitator launch
    response = demoted.post(
        f"/activities/{course.goals}/edit", kind="goal_setting", title="Hijacked", points="100"
    )
    assert response.status_code == 403 and error_code(response) == "ROLE_FORBIDDEN"
    with course.app.app_context():
        activity = db.session.get(Activity, course.goals)
        assert (activity.title, activity.points) == ("Term goals", 10.0)
    assert demoted.get(f"/goals/{course.goals}/export.csv").status_code == 403
    assert demoted.get(f"/activities/{course.goals}/progress").status_code == 403
    start = demoted.get("/start").get_data(as_text=True)
    assert 'data-testid="role">student<' in start


def test_student_cannot_open_an_activity_never_released_to_them(course, platform_key):
    bob = course.who("bob")
    page = bob.get(f"/feedback/{course.feedback}")
    assert page.status_code == 404 and error_code(page) == "ACTIVITY_NOT_FOUND"
    assert "Essay rounds" not in page.get_data(as_text=True)
    submitted = bob.post(f"/feedback/{course.feedback}/submit", body="Sneaked in")
    assert submitted.status_code == 404
    assert (
        count(course.app, FeedbackSubmission, FeedbackSubmission.person_id == course.ids["bob"])
        == 0
    )
    # Once the LMS shows Bob the link and he launches it, the activity is his to open.
    released = Who(
        course.app,
        course.client,
        launch_token_of(_launch(course.client, platform_key, "student", "bob", FEEDBACK_LINK)),
    )
    assert released.get(f"/feedback/{course.feedback}").status_code == 200


def test_activity_of_another_course_is_not_found(course, platform_key):
    other = launch_token_of(
        _launch(
            course.client,
            platform_key,
            "facilitator",
            "prof",
            {"id": "elsewhere"},
            **{claims.CONTEXT: {"id": "course-2", "title": "Chemistry"}},
        )
    )
    page = Who(course.app, course.client, other).get(f"/goals/{course.goals}")
    assert page.status_code == 404
