"""The class progress page of an activity: who has not launched or started, each student's score
and its delivery; facilitators retry failed deliveries, record a score, and sync the roster.
Every route for the roles that may and may not use it, and CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import OutboxScore, Person
from tests.advantage import csrf_for, form_tokens, local, place_by_deep_linking, token_in
from tests.builders import error_code


@pytest.fixture
def course(live):
    """A graded activity in the sandbox course, and a launch token for each role there."""
    link_id = place_by_deep_linking(live, live.client(), points="10")
    tokens = {}
    for user in ("instructor-1", "ta-1", "student-1", "student-2"):
        client = live.client()
        tokens[user] = token_in(
            live.app, live.launch(client, user, link_id=link_id).headers["Location"]
        )
    with live.app.app_context():
        from lti_tool.models import Activity

        activity_id = db.session.scalars(select(Activity.id)).one()
    return live, f"/activities/{activity_id}/progress", tokens


def _get(live, path, token):
    return live.client().get(path, headers={"X-Launch-Token": token})


def _post(live, path, token, page_html, **form):
    assert page_html is not None
    return live.client().post(path, data={**form_tokens(page_html), **form})


def test_facilitators_and_coaches_see_progress_students_do_not(course):
    live, path, tokens = course
    page = _get(live, path, tokens["instructor-1"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Launched students are listed; nobody has started (no score yet).
    assert "Amira Haddad" in html and "Ben Carter" in html and "not started" in html
    assert 'data-testid="retry-all"' in html and "Save score" in html
    coach = _get(live, path, tokens["ta-1"])
    assert coach.status_code == 200 and "Save score" not in coach.get_data(as_text=True)
    student = _get(live, path, tokens["student-1"])
    assert student.status_code == 403 and error_code(student) == "ROLE_FORBIDDEN"


def test_roster_sync_shows_who_has_not_launched(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    assert "Update the roster from the LMS" in html and "Chen Wei" not in html
    synced = _post(live, path + "/roster", tokens["instructor-1"], html)
    assert synced.status_code == 303 and "notice=roster" in synced.headers["Location"]
    page = live.client().get(local(synced.headers["Location"]))
    html = page.get_data(as_text=True)
    assert "The roster is up to date" in html
    # Six students never opened Coproduce: listed first, marked.
    assert html.count('data-testid="not-launched"') == 6
    first_rows = re.findall(r'<tr data-person="\d+" data-delivery="(\w+)">\s*<td>([^<]+)<', html)
    assert first_rows[0][1].strip() in {
        "Chen Wei",
        "Dara Byrne",
        "Elif Yilmaz",
        "Femi Adeyemi",
        "Greta Lindqvist",
        "Hiro Tanaka",
    }


def test_a_facilitator_records_a_score_that_is_delivered(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    with live.app.app_context():
        amira = db.session.scalars(select(Person.id).where(Person.sub == "student-1")).one()
    saved = _post(
        live,
        path + "/score",
        tokens["instructor-1"],
        html,
        person_id=str(amira),
        score="8.5",
        comment="Thorough",
    )
    assert saved.status_code == 303 and "notice=scored" in saved.headers["Location"]
    live.deliver()
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    assert f'data-person="{amira}" data-delivery="delivered"' in html
    gradebook = live.http.get(f"{live.url}/sandbox/gradebook/instructor-1").text
    assert 'data-testid="score">8.5<' in gradebook and "Thorough" in gradebook


def test_bad_scores_are_shown_inline_and_write_nothing(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    with live.app.app_context():
        amira = db.session.scalars(select(Person.id).where(Person.sub == "student-1")).one()
    for score, message in (
        ("eleven", "Enter the score as a number."),
        ("11", "between 0 and 10"),
        ("nan", "number"),
    ):
        refused = _post(
            live, path + "/score", tokens["instructor-1"], html, person_id=str(amira), score=score
        )
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalars(select(OutboxScore)).all() == []


def test_a_person_of_another_course_cannot_be_scored(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    with live.app.app_context():
        stranger = Person(platform_id=1, sub="stranger")
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    refused = _post(
        live, path + "/score", tokens["instructor-1"], html, person_id=str(stranger_id), score="5"
    )
    assert refused.status_code == 404 and error_code(refused) == "PERSON_NOT_FOUND"
    garbage = _post(live, path + "/score", tokens["instructor-1"], html, person_id="x", score="5")
    assert garbage.status_code == 404


def test_failed_deliveries_can_be_retried(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    with live.app.app_context():
        amira = db.session.scalars(select(Person.id).where(Person.sub == "student-1")).one()
    _post(live, path + "/score", tokens["instructor-1"], html, person_id=str(amira), score="3")
    with live.app.app_context():
        db.session.execute(db.update(OutboxScore).values(status="failed", last_error="gave up"))
        db.session.commit()
    page = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    assert 'data-delivery="failed"' in page and "gave up" in page and ">Retry</button>" in page
    retried = _post(live, path + "/retry", tokens["instructor-1"], page, person_id=str(amira))
    assert retried.status_code == 303
    with live.app.app_context():
        assert db.session.scalars(select(OutboxScore.status)).one() == "pending"
    live.deliver()
    assert live.stats()["scores"] == 1


@pytest.mark.parametrize("action", ["retry", "score", "roster", "release", "mode", "automatic"])
def test_coaches_and_students_cannot_act(course, action):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    for user in ("ta-1", "student-2"):
        own = {"launch_token": tokens[user], "csrf_token": csrf_for(live.app, tokens[user])}
        refused = live.client().post(
            f"{path}/{action}", data={**own, "person_id": "1", "score": "1"}
        )
        assert refused.status_code == 403 and error_code(refused) == "ROLE_FORBIDDEN", (
            user,
            action,
        )
    assert html


@pytest.mark.parametrize("action", ["retry", "score", "roster", "release", "mode", "automatic"])
def test_posts_without_csrf_token_are_refused(course, action):
    live, path, tokens = course
    refused = live.client().post(
        f"{path}/{action}",
        data={"launch_token": tokens["instructor-1"], "person_id": "1", "score": "1"},
    )
    assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"
    with live.app.app_context():
        assert db.session.scalars(select(OutboxScore)).all() == []


def test_roster_sync_failure_is_a_clear_page(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    live.faults(error_rate=1.0)
    failed = _post(live, path + "/roster", tokens["instructor-1"], html)
    assert failed.status_code == 424 and error_code(failed) == "ROSTER_UNAVAILABLE"


def test_a_teacher_cannot_be_given_a_hand_score(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    with live.app.app_context():
        ta = db.session.scalars(select(Person.id).where(Person.sub == "ta-1")).one()
    refused = _post(
        live, path + "/score", tokens["instructor-1"], html, person_id=str(ta), score="5"
    )
    assert refused.status_code == 400 and error_code(refused) == "NOT_A_STUDENT"
    with live.app.app_context():
        assert db.session.scalars(select(OutboxScore)).all() == []


def test_hold_release_and_return_to_automatic_from_the_page(course):
    live, path, tokens = course
    html = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    assert 'data-testid="release"' in html and "sent as they change" in html
    held = _post(live, path + "/mode", tokens["instructor-1"], html, mode="hold")
    assert held.status_code == 303
    bad = _post(live, path + "/mode", tokens["instructor-1"], html, mode="sometimes")
    assert bad.status_code == 400 and "Choose when scores go" in bad.get_data(as_text=True)
    with live.app.app_context():
        amira = db.session.scalars(select(Person.id).where(Person.sub == "student-1")).one()
    _post(live, path + "/score", tokens["instructor-1"], html, person_id=str(amira), score="4")
    page = _get(live, path, tokens["instructor-1"]).get_data(as_text=True)
    assert "held for release" in page and 'data-testid="held-count">1<' in page
    assert 'data-testid="by-hand"' in page and 'data-testid="to-automatic"' in page
    live.deliver()
    assert live.stats()["scores"] == 0
    released = _post(live, path + "/release", tokens["instructor-1"], page)
    assert released.status_code == 303
    live.deliver()
    assert live.stats()["scores"] == 1
    dropped = _post(live, path + "/automatic", tokens["instructor-1"], page, person_id=str(amira))
    assert dropped.status_code == 303
    again = _post(live, path + "/automatic", tokens["instructor-1"], page, person_id=str(amira))
    assert again.status_code == 409 and error_code(again) == "NO_HAND_SCORE"
