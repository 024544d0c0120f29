"""Finding 10 for goal setting, as the attack: ten parallel POSTs of "new goal" with a maximum of
one, and double submits of a check-in and a comment. Races are real concurrent HTTP requests to
a live server on PostgreSQL; the resent-form cases also run on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import CheckIn, CheckInComment, Goal
from tests.activities.goals.http import SMART_FORM, GoalCourse, set_up
from tests.advantage import csrf_for
from tests.builders import error_code
from tests.live import at_once, needs_postgres, serving

KEY = "g" * 24


@pytest.fixture
def gc(app, client, platform, platform_key) -> GoalCourse:
    course = set_up(app, client, platform_key)
    settings = {"min_goals": "1", "max_goals": "1", "agreed_by": "coach", "scoring": "completion"}
    assert course.people["prof"].post(course.base + "/settings", **settings).status_code == 303
    course.move("draft", "check_in")  # agreeing and check-ins open after "Draft goals"
    return course


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _form(gc: GoalCourse, who: str, **data: str) -> dict[str, str]:
    token = gc.people[who].token
    return {"launch_token": token, "csrf_token": csrf_for(gc.people[who].app, token), **data}


def _agreed_goal(gc: GoalCourse) -> int:
    goal_id = gc.draft(action="submit")
    agreed = gc.people["coach"].post(f"{gc.base}/g/{goal_id}/respond", decision="agree")
    assert agreed.status_code == 303
    return goal_id


def _check_in(gc: GoalCourse, goal_id: int, **extra: str):  # type: ignore[no-untyped-def]
    return gc.people["alice"].post(
        f"{gc.base}/g/{goal_id}/check-in", progress="40", confidence="3", evidence="x", **extra
    )


def test_a_resent_check_in_is_stored_once(gc, app):
    goal_id = _agreed_goal(gc)
    assert _check_in(gc, goal_id, form_key=KEY).status_code == 303
    resent = _check_in(gc, goal_id, form_key=KEY)
    assert resent.status_code == 409 and error_code(resent) == "FORM_ALREADY_SENT"
    assert _count(app, CheckIn) == 1
    assert _check_in(gc, goal_id, form_key="another" + KEY).status_code == 303  # a new form
    assert _count(app, CheckIn) == 2


def test_a_refused_form_can_be_corrected_and_sent_again(gc, app):
    goal_id = _agreed_goal(gc)
    bad = gc.people["alice"].post(
        f"{gc.base}/g/{goal_id}/check-in", progress="150", confidence="3", form_key=KEY
    )
    assert bad.status_code == 400
    assert _check_in(gc, goal_id, form_key=KEY).status_code == 303  # the key was rolled back
    assert _count(app, CheckIn) == 1


def test_goal_pages_carry_a_form_key(gc):
    goal_id = _agreed_goal(gc)
    html = gc.people["alice"].get(f"{gc.base}/g/{goal_id}").get_data(as_text=True)
    assert 'name="form_key"' in html


@needs_postgres
def test_ten_parallel_new_goals_with_a_maximum_of_one_make_one(gc, app):
    forms = [_form(gc, "alice", form_key=f"new{i}" + "x" * 20, **SMART_FORM) for i in range(10)]
    with serving(app) as live:
        replies = at_once([lambda f=f: live.post(gc.base + "/new", f) for f in forms])
    statuses = sorted(r.status for r in replies)
    assert statuses.count(303) == 1, statuses
    assert all(400 <= s < 500 for s in statuses if s != 303), statuses
    assert all("at most 1 goal" in r.body for r in replies if r.status != 303)
    assert _count(app, Goal) == 1


@needs_postgres
def test_a_double_clicked_check_in_and_comment_are_stored_once(gc, app):
    goal_id = _agreed_goal(gc)
    form = _form(gc, "alice", progress="40", confidence="3", evidence="x", form_key=KEY)
    with serving(app) as live:
        replies = at_once([lambda: live.post(f"{gc.base}/g/{goal_id}/check-in", form)] * 5)
        assert sorted(r.status for r in replies) == [303] + [409] * 4
        assert _count(app, CheckIn) == 1
        with app.app_context():
            check_in_id = db.session.scalars(select(CheckIn.id)).one()
        note = _form(gc, "coach", body="Good evidence", form_key="c" * 24)
        path = f"{gc.base}/check-ins/{check_in_id}/comment"
        replies = at_once([lambda: live.post(path, note)] * 5)
    assert sorted(r.status for r in replies) == [303] + [409] * 4
    assert _count(app, CheckInComment) == 1
