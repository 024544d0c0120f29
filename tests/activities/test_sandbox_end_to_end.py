"""End to end through the sandbox LMS: deep linking placement creates the activity and the
sandbox stores the link and its gradebook column; a link set up on first launch gets its column
from the worker; a score recorded by a service reaches the sandbox gradebook with its comment
(and, for a Canvas-family platform, its submission); a submission review opens the artifact."""

from __future__ import annotations

import re

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, record_score
from lti_tool.lti import claims
from lti_tool.models import Activity, LineItem, Person, Placement, Platform, ProductFamily
from lti_tool.sandbox.roster import CLIENT_ID
from lti_tool.sandbox.store import GradebookColumn, ReceivedScore, StoredLink
from tests.advantage import deliver_all, form_tokens, place_by_deep_linking


def _record(live, sub: str, score: float, **change) -> None:
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
        record_score(activity, person, ScoreChange(score, **change), tool_base_url=live.url)
        db.session.commit()


def test_deep_linking_placement_creates_the_activity_and_the_sandbox_stores_link_and_column(live):
    teacher = live.client()
    link_id = place_by_deep_linking(live, teacher, title="Goals for term 1", points="12")
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        assert (activity.title, activity.points, activity.placed_by) == (
            "Goals for term 1",
            12,
            "deep_link",
        )
        stored = db.session.scalars(select(StoredLink)).one()
        assert stored.link_id == link_id and stored.custom == {"activity_id": str(activity.id)}
        column = db.session.scalars(select(GradebookColumn)).one()
        assert (column.label, column.score_maximum, column.resource_id, column.tag) == (
            "Goals for term 1",
            12,
            activity.resource_id,
            "goal_setting",
        )
        assert column.resource_link_id == link_id
        assert db.session.scalars(select(LineItem.state)).one() == "declared"
    # The course page lists the new link; its first launch binds it and names its column.
    course = live.http.get(f"{live.url}/sandbox/course/student-1").text
    assert f'data-link="{link_id}"' in course and "Goals for term 1" in course
    student = live.client()
    page = live.page(student, live.launch(student, "student-1", link_id=link_id))
    assert "Goals for term 1" in page.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalars(select(Placement.activity_id)).one() == activity.id
        line_item = db.session.scalars(select(LineItem)).one()
        assert (line_item.state, line_item.url) == (
            "ready",
            f"{live.url}/sandbox/api/lineitems/{column.id}",
        )


def test_a_link_set_up_on_first_launch_gets_its_column_from_the_worker(live):
    teacher = live.client()
    setup = live.page(teacher, live.launch(teacher, "instructor-1"))
    assert "Set up this activity" in setup.get_data(as_text=True)
    form = {
        **form_tokens(setup.get_data(as_text=True)),
        "kind": "rubric_cocreation",
        "title": "Class rubric",
        "points": "5",
    }
    assert teacher.post("/activities/setup", data=form).status_code == 303
    live.deliver()
    with live.app.app_context():
        column = db.session.scalars(select(GradebookColumn)).one()
        assert (column.label, column.resource_link_id, column.tag) == (
            "Class rubric",
            "sandbox-link-1",
            "rubric_cocreation",
        )
        assert db.session.scalars(select(LineItem.state)).one() == "ready"
    live.deliver()  # found again next time, never created twice
    assert live.stats()["columns"] == 1
    # Later launches of the link carry the column as their lineitem claim.
    student = live.client()
    live.launch(student, "student-3")
    with live.app.app_context():
        assert db.session.scalars(select(Placement.lineitem_url)).all() == [
            f"{live.url}/sandbox/api/lineitems/{column.id}"
        ]


def test_a_score_reaches_the_sandbox_gradebook_with_its_comment(live):
    link_id = place_by_deep_linking(live, live.client())
    live.launch(live.client(), "student-2", link_id=link_id)
    _record(
        live,
        "student-2",
        9,
        comment="Clear goals",
        artifact=ArtifactContent("Goal plan", "2 goals, 3 check-ins", "Goal 1: ..."),
    )
    deliver_all(live)
    with live.app.app_context():
        (score,) = db.session.scalars(select(ReceivedScore)).all()
        assert (score.user_id, score.score_given, score.score_maximum) == ("student-2", 9, 10)
        assert score.comment.startswith("Clear goals\n\n2 goals, 3 check-ins\nSee the work: ")
        assert score.submission is None  # not a Canvas-family platform
    gradebook = live.http.get(f"{live.url}/sandbox/gradebook/instructor-1").text
    assert 'data-testid="score">9<' in gradebook and "Clear goals" in gradebook


def test_canvas_family_scores_carry_the_submission(live):
    with live.app.app_context():
        platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
        platform.product_family = ProductFamily.CANVAS
        db.session.commit()
    link_id = place_by_deep_linking(live, live.client())
    live.launch(live.client(), "student-4", link_id=link_id)
    # New work (a plan handed in): each opens a Canvas submission.
    _record(
        live,
        "student-4",
        7,
        artifact=ArtifactContent("Plan", "One goal", "Read a book a week."),
        new_work=True,
    )
    live.launch(live.client(), "student-5", link_id=link_id)
    _record(
        live, "student-5", 6, artifact=ArtifactContent("Plan", "Long", "x" * 30_000), new_work=True
    )
    deliver_all(live)
    with live.app.app_context():
        by_user = {s.user_id: s for s in db.session.scalars(select(ReceivedScore))}
        activity_id = db.session.scalars(select(Activity.id)).one()
        person_5 = db.session.scalars(select(Person.id).where(Person.sub == "student-5")).one()
    text = by_user["student-4"].submission
    assert text["submission_type"] == "online_text_entry"
    assert text["submission_data"] == "Read a book a week." and text["new_submission"] is True
    assert text["submitted_at"]
    link = by_user["student-5"].submission
    assert link["submission_type"] == "online_url"
    # A link that opens the work from SpeedGrader without a Coproduce session (artifact_links).
    assert link["submission_data"].startswith(f"{live.url}/artifacts/open/")
    assert live.http.get(link["submission_data"]).status_code == 200
    assert activity_id and person_5
    gradebook = live.http.get(f"{live.url}/sandbox/gradebook/instructor-1").text
    assert gradebook.count('data-testid="submission"') == 2


def test_submission_review_from_the_gradebook_opens_the_artifact(live):
    link_id = place_by_deep_linking(live, live.client())
    live.launch(live.client(), "student-6", link_id=link_id)
    _record(
        live, "student-6", 8, artifact=ArtifactContent("Goal plan", "Two goals", "Goal A\nGoal B")
    )
    deliver_all(live)
    gradebook = live.http.get(f"{live.url}/sandbox/gradebook/instructor-1").text
    review = (
        re.search(r'href="([^"]+)" data-testid="review"', gradebook).group(1).replace("&amp;", "&")
    )
    page = live.http.get(live.url + review).text
    iframe = re.search(r'id="tool-frame" title="Coproduce" src="([^"]+)"', page).group(1)
    assert "lti_message_hint" in iframe
    # The launch itself, as the teacher, through the test client.
    teacher = live.client()
    launched = live.launch(
        teacher,
        "instructor-1",
        link_id=link_id,
        message_type=claims.SUBMISSION_REVIEW_REQUEST,
        for_user="student-6",
    )
    assert "/artifacts/" in launched.headers["Location"]
    html = live.page(teacher, launched).get_data(as_text=True)
    assert "Goal A" in html and "Two goals" in html and "Read-only" in html
    assert "<form" not in html.split("</header>")[1]  # nothing to change on an artifact
