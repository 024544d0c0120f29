"""The hub over HTTP: who may open it, what it shows, its CSV, and its cost in statements."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from lti_tool.extensions import db
from lti_tool.models import Activity
from tests.hub.builders import person, seed_course


def _get(client, token, path="/hub", **query):
    return client.get(path, query_string=query, headers={"X-Launch-Token": token})


@pytest.fixture
def seeded(app, platform):
    with app.app_context():
        course = seed_course(platform.id)
        tokens = {
            who: course.token(app, getattr(course, who)) for who in ("prof", "coach", "admin")
        }
        tokens["student"] = course.token(app, course.students[0])
        mentor = person(course.context, "hub-mentor", "mentor", "Morgan Mentor")
        db.session.commit()
        tokens["mentor"] = course.token(app, mentor)
        ids = {"rubric": course.rubric.id, "goals": course.goals.id, "feedback": course.feedback.id}
        db.session.remove()
    return tokens, ids


@pytest.mark.parametrize("who", ["prof", "coach", "admin"])
def test_staff_see_the_hub(client, seeded, who):
    tokens, ids = seeded
    response = _get(client, tokens[who])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    assert html.count('data-testid="hub-activity"') == 3
    assert "Rubric co-creation" in html and "Round 2 of 2: Review" in html
    assert "1 goal waits for agreement" in html
    assert "2 criterion proposals wait for a decision" in html
    assert "1 submission is in the discrepancy queue" in html
    assert 'data-testid="adoption-rate">50 %' in html
    assert 'data-testid="follow-through">50 %' in html
    assert 'data-testid="contributor-rate">8 of 10' in html
    assert 'data-testid="gini">0.56' in html
    # Each figure is drawn and tabled; the charts carry their words for screen readers.
    for chart in ("adoption", "uptake", "goals", "participation", "workload"):
        assert f'data-testid="chart-{chart}"' in html
    assert 'role="img" aria-label="What became of students&#39; criterion proposals: ' in html
    assert "style=" not in html and "<style" not in html  # CSP: style-src 'self'
    assert html.count("<table") >= 6
    # Links stay in the launch: a ticket each, never the session token.
    assert f"/goals/{ids['goals']}?lt=" in html
    assert tokens[who] not in html.split('name="launch-token"')[0]


@pytest.mark.parametrize("who", ["student", "mentor"])
def test_a_student_is_told_the_hub_is_for_staff(client, seeded, who):
    tokens, _ = seeded
    response = _get(client, tokens[who])
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "The course hub is for the course&#39;s facilitators and coaches" in html
    assert "Essay rounds" not in html
    assert _get(client, tokens[who], "/hub/export.csv").status_code == 403


def test_another_courses_staff_never_see_this_course(app, client, platform, seeded):
    tokens, ids = seeded
    with app.app_context():
        other = seed_course(platform.id, "other-course", work=False)
        theirs = other.token(app, other.prof)
        db.session.remove()
    html = _get(client, theirs).get_data(as_text=True)
    assert "Essay rounds" in html  # their own course's activities of that name...
    assert f'data-activity-id="{ids["feedback"]}"' not in html  # ...never this course's
    assert "No student has proposed a criterion yet" in html
    # A forged activity id of this course in their URL reaches nothing.
    for path in ("/hub", "/hub/export.csv"):
        assert _get(client, theirs, path, activity=ids["goals"]).status_code == 404
    assert _get(client, tokens["prof"], activity=987654).status_code == 404
    # And this course's own id narrows this course's figures.
    narrowed = _get(client, tokens["prof"], activity=ids["goals"]).get_data(as_text=True)
    assert "Course hub: Term goals" in narrowed
    assert 'data-testid="empty-adoption"' in narrowed


def test_no_launch_no_hub(client, seeded):
    assert client.get("/hub").status_code == 401


def test_the_csv_holds_the_figures_and_is_safe_to_open(app, client, seeded):
    tokens, ids = seeded
    with app.app_context():
        db.session.get(Activity, ids["goals"]).title = '=HYPERLINK("http://evil")'
        db.session.commit()
    response = _get(client, tokens["prof"], "/hub/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["proposals adopted", "course", "adopted share", "0.500"] in rows
    assert ["goal agreement", "", "agreed first time", "1"] in rows
    assert ["participation", "", "contributed at least once", "8"] in rows
    activity_rows = rows[rows.index(["activity id", "title", "kind", "phase", "waiting"]) + 1 :]
    assert [r[0] for r in activity_rows] == [str(ids[k]) for k in ("rubric", "goals", "feedback")]
    goals_row = activity_rows[1]
    assert goals_row[1] == '\'=HYPERLINK("http://evil")'  # text, never a formula
    assert goals_row[4] == "1 goal waits for agreement"
    # One activity's CSV.
    one = _get(client, tokens["prof"], "/hub/export.csv", activity=ids["rubric"])
    assert f"activity-{ids['rubric']}" in one.headers["Content-Disposition"]
    assert "goal agreement,,agreed first time,0" in one.get_data(as_text=True)


def _statements(client, engine, token) -> int:
    count = 0

    def counter(*_):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = _get(client, token)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return count


def test_the_hub_costs_the_same_for_10_and_40_students(app, client, platform):
    with app.app_context():
        small = seed_course(platform.id, "small", students=10)
        large = seed_course(platform.id, "large", students=40)
        tokens = [small.token(app, small.prof), large.token(app, large.prof)]
        engine = db.engine
        db.session.remove()
    for token in tokens:  # warm-up: rows made on first use
        _statements(client, engine, token)
    few, many = (_statements(client, engine, t) for t in tokens)
    assert few == many, (few, many)
