"""Finding 11, as the attack: ids beyond the integer range in URLs and NUL bytes in forms. The
answer is a 4xx page (404 for an id that can name no row, 400 for a NUL), never a 500, and
nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Goal, GoalVersion
from lti_tool.robustness import MAX_ID
from tests.activities.goals.http import SMART_FORM, set_up


@pytest.fixture
def course(app, client, platform_key, platform):
    return set_up(app, client, platform_key)


def _goal_rows(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Goal.id))) or 0,
            db.session.scalar(select(func.count(GoalVersion.id))) or 0,
        )


@pytest.mark.parametrize("huge", [MAX_ID + 1, 2**63, 10**30])
def test_ids_beyond_the_integer_range_are_404(app, course, huge):
    alice = course.people["alice"]
    for path in (
        f"/goals/{huge}",
        f"/goals/{course.activity_id}/g/{huge}",
        f"/goals/{course.activity_id}/student/{huge}",
        f"/activities/{huge}",
    ):
        response = alice.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
    before = _goal_rows(app)
    response = alice.post(f"/goals/{course.activity_id}/g/{huge}/check-in", progress="50")
    assert response.status_code == 404
    assert _goal_rows(app) == before


def test_the_largest_integer_id_is_still_routed(app, course):
    response = course.people["alice"].get(f"/goals/{course.activity_id}/g/{MAX_ID}")
    assert response.status_code == 404  # routed, and no such goal: the view's own 404


@pytest.mark.parametrize("field", ["what", "plan", "measure"])
def test_nul_in_form_text_is_400_and_nothing_written(app, course, field):
    before = _goal_rows(app)
    form = {**SMART_FORM, field: SMART_FORM[field] + "\x00 injected"}
    response = course.people["alice"].post(course.base + "/new", **form)
    assert response.status_code == 400, response.get_data(as_text=True)[:400]
    assert "NUL" in response.get_data(as_text=True)
    assert _goal_rows(app) == before


def test_nul_in_a_query_string_is_400(app, course):
    response = course.people["alice"].get(course.base, tab="x\x00y")
    assert response.status_code == 400


def test_oversized_form_text_is_a_4xx_and_nothing_written(app, course):
    before = _goal_rows(app)
    form = {**SMART_FORM, "what": "w" * 100_000}
    response = course.people["alice"].post(course.base + "/new", **form)
    assert 400 <= response.status_code < 500
    assert _goal_rows(app) == before


def test_a_value_the_database_refuses_is_a_400_and_nothing_is_written(make_app, platform):
    """The net under every service's own length checks: a value too long for its column
    (PostgreSQL raises; SQLite would store it, so the test raises what psycopg raises)."""
    import os

    from sqlalchemy.exc import DataError

    from lti_tool.models import Person

    app = make_app()

    def too_long() -> str:
        db.session.add(Person(platform_id=platform.id, sub="s" * 300))
        if not os.environ.get("TEST_DATABASE_URL"):
            raise DataError("INSERT INTO person", {}, Exception("value too long"))
        db.session.flush()
        return "stored"

    app.add_url_rule("/test-too-long", "too_long", too_long)
    response = app.test_client().get("/test-too-long")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "VALUE_NOT_STORABLE" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 0
