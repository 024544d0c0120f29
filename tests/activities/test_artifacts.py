"""Artifact pages: read-only, open to the student whose work it is and to the course's
facilitators and coaches; never to another student, an admin, or another course."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, record_score
from lti_tool.lti import claims
from lti_tool.models import Activity, Person
from tests.advantage import form_tokens
from tests.builders import error_code, launch, launch_token_of

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


@pytest.fixture
def work(app, client, platform, platform_key):
    """An activity with one student's artifact: (artifact path, tokens by who is asking)."""
    setup = client.get(launch(client, platform_key, "facilitator", sub="prof").headers["Location"])
    client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "goal_setting",
            "title": "Goals",
            "points": "10",
        },
    )
    tokens = {
        who: launch_token_of(launch(client, platform_key, role, sub=who))
        for who, role in (
            ("alice", "student"),
            ("bob", "student"),
            ("coach", "coach"),
            ("prof", "facilitator"),
        )
    }
    tokens["admin"] = launch_token_of(launch(client, platform_key, "admin", sub="admin"))
    with app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        alice = db.session.scalars(select(Person).where(Person.sub == "alice")).one()
        record_score(
            activity,
            alice,
            ScoreChange(
                8, comment="Good", artifact=ArtifactContent("Goal plan", EVIL, "Goal 1\n" + EVIL)
            ),
            tool_base_url="http://localhost",
        )
        db.session.commit()
        return f"/artifacts/{activity.id}/{alice.id}", tokens


@pytest.mark.parametrize("who", ["alice", "coach", "prof"])
def test_the_student_and_the_course_staff_see_it(client, work, who):
    path, tokens = work
    response = client.get(path, headers={"X-Launch-Token": tokens[who]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Goal plan" in html and "Goal 1" in html
    assert EVIL not in html and "&lt;img" in html
    assert 'method="post"' not in html.lower()


@pytest.mark.parametrize(
    "who,status,code", [("bob", 403, "ROLE_FORBIDDEN"), ("admin", 403, "ROLE_FORBIDDEN")]
)
def test_others_are_refused(client, work, who, status, code):
    path, tokens = work
    response = client.get(path, headers={"X-Launch-Token": tokens[who]})
    assert response.status_code == status and error_code(response) == code


def test_without_a_launch_it_asks_for_one(client, work):
    path, _ = work
    response = client.get(path)
    assert response.status_code == 401 and error_code(response) == "SESSION_MISSING"


def test_another_course_and_another_person_are_not_found(client, work, platform_key):
    path, tokens = work
    other = launch_token_of(
        launch(
            client,
            platform_key,
            "facilitator",
            sub="prof",
            **{claims.CONTEXT: {"id": "course-2", "title": "Chemistry"}},
        )
    )
    response = client.get(path, headers={"X-Launch-Token": other})
    assert response.status_code == 404 and error_code(response) == "ACTIVITY_NOT_FOUND"
    activity_id = path.split("/")[2]
    missing = client.get(
        f"/artifacts/{activity_id}/99999", headers={"X-Launch-Token": tokens["prof"]}
    )
    assert missing.status_code == 404 and error_code(missing) == "PERSON_NOT_FOUND"


def test_a_student_without_work_sees_an_empty_page(client, work, app):
    path, tokens = work
    with app.app_context():
        bob = db.session.scalars(select(Person.id).where(Person.sub == "bob")).one()
    own = path.rsplit("/", 1)[0] + f"/{bob}"
    response = client.get(own, headers={"X-Launch-Token": tokens["bob"]})
    assert response.status_code == 200 and 'data-testid="artifact-empty"' in response.get_data(
        as_text=True
    )
