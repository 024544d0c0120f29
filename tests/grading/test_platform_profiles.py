"""Grades under the sandbox's Canvas and Moodle profiles (sandbox.profiles), which answer as
those platforms' documents and source say: attempts, assignment-only columns, concluded courses,
timestamps, not-gradable users, Submission Review. Each test is the story a faculty member would
tell: what they did, what the gradebook holds at the end."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent
from lti_tool.models import (
    Activity,
    LineItem,
    OutboxScore,
    Person,
    Platform,
)
from lti_tool.sandbox import profiles
from lti_tool.sandbox.roster import CLIENT_ID
from lti_tool.sandbox.store import GradebookColumn, ReceivedScore
from tests.advantage import Live, deliver_all, form_tokens, local, token_in
from tests.grading.helpers import graded_course

PLAN = ArtifactContent("Goal plan", "1 goal", "Goal 1: read a paper a week")


def use_profile(live: Live, family: str, **rules: object) -> None:
    """The sandbox answers as `family`; the tool's registration says the same family."""
    answer = live.http.put(f"{live.url}/sandbox/api/profile", json={"family": family, **rules})
    answer.raise_for_status()
    with live.app.app_context():
        platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
        platform.product_family = family if family != "generic" else "unknown"
        db.session.commit()
        db.session.remove()


def received(live: Live, sub: str) -> list[ReceivedScore]:
    with live.app.app_context():
        rows = list(
            db.session.scalars(
                select(ReceivedScore)
                .where(ReceivedScore.user_id == sub)
                .order_by(ReceivedScore.timestamp)
            )
        )
        db.session.expunge_all()
        return rows


def attempts_opened(rows: list[ReceivedScore]) -> int:
    return sum(profiles.canvas_opens_attempt(r.submission) for r in rows)


def outbox_row(live: Live, sub: str) -> OutboxScore:
    with live.app.app_context():
        row = db.session.scalars(
            select(OutboxScore)
            .join(Person, Person.id == OutboxScore.person_id)
            .where(Person.sub == sub)
        ).one()
        db.session.expunge_all()
        return row


# -- Canvas ------------------------------------------------------------------------------------


def test_canvas_one_attempt_assignment_ends_with_the_agreed_score_and_one_attempt(live):
    course = graded_course(live, students=1)
    use_profile(live, "canvas", allowed_attempts=1)
    sub = course.students[0]
    # The plan is submitted for agreement: new work, score pending.
    course.record(
        sub,
        None,
        activity_progress="Submitted",
        grading_progress="Pending",
        artifact=PLAN,
        work="g1:1",
    )
    deliver_all(live)
    # A facilitator agrees it: the same work, now scored.
    course.record(sub, 8, activity_progress="InProgress", artifact=PLAN, work="g1:1")
    deliver_all(live)
    rows = received(live, sub)
    assert rows[-1].score_given == 8
    assert attempts_opened(rows) == 1
    assert outbox_row(live, sub).status == "delivered"


def test_canvas_attempts_used_up_the_score_still_lands_without_a_new_attempt(live):
    course = graded_course(live, students=1)
    use_profile(live, "canvas", allowed_attempts=1)
    sub = course.students[0]
    course.record(sub, 5, artifact=PLAN, work="g1:1")
    deliver_all(live)
    # A revised plan: new work, but the assignment allows no more attempts.
    course.record(sub, 7, artifact=ArtifactContent("Goal plan", "2", "Revised"), work="g1:2")
    deliver_all(live)
    rows = received(live, sub)
    assert [r.score_given for r in rows] == [5, 7]
    assert attempts_opened(rows) == 1
    row = outbox_row(live, sub)
    assert row.status == "delivered" and row.problem is None


def test_canvas_unlimited_attempts_open_one_per_new_version_not_per_update(live):
    course = graded_course(live, students=1)
    use_profile(live, "canvas")
    sub = course.students[0]
    for score, work in ((1, "g1:1"), (2, "g1:1"), (3, "g1:2"), (4, "g1:2"), (5, "g1:2")):
        course.record(sub, score, artifact=PLAN, work=work)
        deliver_all(live)
    rows = received(live, sub)
    assert [r.score_given for r in rows] == [1, 2, 3, 4, 5]
    assert attempts_opened(rows) == 2


def _set_up_on_first_launch(live: Live, *, points: str = "10") -> None:
    """The instructor opens a plain (module item) link and sets the activity up there."""
    client = live.client()
    page = live.page(client, live.launch(client, "instructor-1", link_id="sandbox-link-1"))
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    html = page.get_data(as_text=True)
    action = re.search(r'<form[^>]+action="([^"]*setup[^"]*)"', html)
    path = urlsplit(action.group(1)).path if action else "/activities/setup"
    done = client.post(
        path,
        data={**form_tokens(html), "kind": "goal_setting", "title": "Goals", "points": points},
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:500]


def test_canvas_module_link_gets_a_tool_made_column_and_its_scores(live):
    use_profile(live, "canvas")
    _set_up_on_first_launch(live)
    live.launch(live.client(), "student-1", link_id="sandbox-link-1")
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == "student-1")).one()
        from lti_tool.grading import ScoreChange, record_score

        record_score(activity, person, ScoreChange(6), tool_base_url=live.url)
        db.session.commit()
        resource_id = activity.resource_id
        db.session.remove()
    deliver_all(live)
    with live.app.app_context():
        (column,) = db.session.scalars(select(GradebookColumn)).all()
        line_item = db.session.scalars(select(LineItem)).one()
        assert line_item.state == "ready" and line_item.problem is None
        db.session.remove()
    # Canvas refuses a module item's link id (412): the column is the tool's own, bound back
    # by resourceId and tag.
    assert column.resource_link_id is None and column.resource_id == resource_id
    assert [r.score_given for r in received(live, "student-1")] == [6]


def test_canvas_concluded_course_needs_attention_with_canvas_words(live):
    course = graded_course(live, students=2)
    use_profile(live, "canvas", concluded=True)
    for sub in course.students:
        course.record(sub, 4)
    deliver_all(live)
    for sub in course.students:
        row = outbox_row(live, sub)
        assert row.status == "rejected" and row.problem == "course_concluded"
        assert row.attempts <= live.settings.OUTBOX_MAX_ATTEMPTS
        assert "This course has concluded" in row.last_response
    assert received(live, course.students[0]) == []
    # The facilitator's progress page and the admin's console both say it, with the remedy.
    with live.app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
        db.session.remove()
    prof = live.client()
    launched = live.launch(prof, "instructor-1", link_id=course.link_id)
    token = token_in(live.app, launched.headers["Location"])
    page = prof.get(f"/activities/{activity_id}/progress", headers={"X-Launch-Token": token})
    html = page.get_data(as_text=True)
    assert "The course has concluded in the LMS" in html
    assert "Re-open the course" in html and "This course has concluded" in html


def test_canvas_registration_answer_gives_a_working_token_audience_and_deployment(live):
    """Canvas's DR answer puts deployment_id at the top level and a bare host name as
    authorization_server; the tool records the deployment and signs for the token URL."""
    from lti_tool.lti.access_tokens import assertion_audience
    from lti_tool.lti.services import PlatformRef

    ref = PlatformRef(
        id=1,
        issuer="https://canvas.instructure.com",
        client_id="10000000000001",
        token_url="https://sso.canvaslms.com/login/oauth2/token",
        audience="canvas.instructure.com",
        product_family="canvas",
    )
    assert assertion_audience(ref) == "https://sso.canvaslms.com/login/oauth2/token"
    other = PlatformRef(
        1,
        "https://lms.example",
        "c",
        "https://lms.example/token",
        "https://lms.example/auth-server",
        "moodle",
    )
    assert assertion_audience(other) == "https://lms.example/auth-server"


# -- Moodle ------------------------------------------------------------------------------------


def test_moodle_not_gradable_user_is_refused_once_with_moodles_words(live):
    course = graded_course(live, students=1)
    use_profile(live, "moodle")
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        teacher = db.session.scalars(select(Person).where(Person.sub == "instructor-1")).one()
        from lti_tool.grading import ScoreChange, record_score

        # An automatic score for someone Moodle does not grade (here: the teacher).
        record_score(activity, teacher, ScoreChange(3), tool_base_url=live.url)
        db.session.commit()
        db.session.remove()
    deliver_all(live)
    live.deliver()
    row = outbox_row(live, "instructor-1")
    assert row.status == "rejected" and row.problem == "not_gradable" and row.attempts == 1
    assert "Incorrect score received" in row.last_response
    assert course.students


def test_moodle_two_scores_in_one_second_both_land(live):
    course = graded_course(live, students=1)
    use_profile(live, "moodle")
    sub = course.students[0]
    course.record(sub, 3)
    deliver_all(live)
    course.record(sub, 4)  # within the same second: Moodle answers 409 until it is newer
    deliver_all(live, timeout=20)
    assert [r.score_given for r in received(live, sub)] == [3, 4]


def test_moodle_submission_review_from_the_gradebook_opens_the_artifact(live):
    use_profile(live, "moodle")
    course = graded_course(live, students=1)
    sub = course.students[0]
    course.record(sub, 8, artifact=ArtifactContent("Goal plan", "Two goals", "Goal A\nGoal B"))
    deliver_all(live)
    gradebook = live.http.get(f"{live.url}/sandbox/gradebook/instructor-1").text
    review = re.search(r'href="([^"]+)" data-testid="review"', gradebook)
    assert review, "the column carries submissionReview, so Moodle offers Review"
    page = live.http.get(live.url + review.group(1).replace("&amp;", "&")).text
    assert "lti_message_hint" in page
    teacher = live.client()
    launched = live.launch(
        teacher,
        "instructor-1",
        link_id=course.link_id,
        message_type="LtiSubmissionReviewRequest",
        for_user=sub,
    )
    shown = live.page(teacher, launched).get_data(as_text=True)
    assert "Goal A" in shown and "Goal B" in shown


# -- the artifact link in a gradebook comment ---------------------------------------------------


@pytest.mark.parametrize("family", ["canvas", "moodle"])
def test_the_comment_link_opens_the_work_read_only_and_is_audited(live, family):
    course = graded_course(live, students=1)
    use_profile(live, family)
    sub = course.students[0]
    course.record(sub, 8, artifact=ArtifactContent("Goal plan", "Two goals", "Goal A"))
    deliver_all(live)
    (score,) = received(live, sub)
    link = re.search(r"See the work: (\S+)", score.comment).group(1)
    opened = live.http.get(link)  # no session at all: as from SpeedGrader or the grader report
    assert opened.status_code == 200 and "Goal A" in opened.text
    assert "<form" not in opened.text
    tampered = live.http.get(link[:-3] + "abc")
    assert tampered.status_code == 404
    with live.app.app_context():
        from lti_tool.grading.artifact_links import revoke
        from lti_tool.models import Artifact, Event

        assert db.session.scalars(select(Event).where(Event.verb == "artifact.link_opened")).all()
        revoke(db.session.scalars(select(Artifact)).one())
        db.session.commit()
        db.session.remove()
    assert live.http.get(link).status_code == 404


def test_an_expired_comment_link_says_so(live_factory):
    live = live_factory(ARTIFACT_LINK_DAYS=0)
    course = graded_course(live, students=1)
    course.record(course.students[0], 8, artifact=PLAN)
    deliver_all(live)
    (score,) = received(live, course.students[0])
    link = re.search(r"See the work: (\S+)", score.comment).group(1)
    import time

    time.sleep(1.1)
    answer = live.http.get(link)
    assert answer.status_code == 410 and "expired" in answer.text
    assert local(link)
