"""The kind contract and its registry; a kind is fixed once an activity has data; the one
domain error handler (JSON for JSON routes); the one event recorder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.activities.kinds import ActivityKind, KindRegistry, kinds
from lti_tool.activities.services import ActivityConfig, KindLocked, has_data, update_activity
from lti_tool.domain import DomainError, NotFound, scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Event, Goal, Person
from tests.activities.goals.http import set_up
from tests.builders import error_code


def _edit(who, activity_id: int, kind: str):  # type: ignore[no-untyped-def]
    return who.post(f"/activities/{activity_id}/edit", kind=kind, title="Term goals", points="10")


def test_the_three_kinds_are_registered_in_order(app):
    with app.app_context():
        found = kinds()
        assert list(found) == ["goal_setting", "rubric_cocreation", "feedback_rounds"]
        for kind in found.values():
            assert isinstance(kind, ActivityKind)
            assert kind.phases and kind.name and kind.summary
            assert kind.blueprint.name in app.blueprints
            assert kind.home_endpoint in app.view_functions
        assert found["feedback_rounds"].holds_scores
        assert not found["goal_setting"].holds_scores


def test_a_registry_refuses_two_kinds_with_one_key(app):
    with app.app_context():
        goals = kinds()["goal_setting"]
        with pytest.raises(ValueError, match="share the key"):
            KindRegistry([goals, goals])
        with pytest.raises(TypeError):
            KindRegistry([object()])  # type: ignore[list-item]


def test_a_kind_can_change_while_the_activity_is_empty(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    response = _edit(course.people["prof"], course.activity_id, "feedback_rounds")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        assert db.session.get(Activity, course.activity_id).kind == "feedback_rounds"


def test_a_kind_change_is_refused_once_a_student_has_started(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    course.draft("alice")
    response = _edit(course.people["prof"], course.activity_id, "feedback_rounds")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    # Inline, on the edit form, next to the kind: not an error page.
    assert 'id="err-kind"' in html and "participants have already started" in html
    assert 'name="title"' in html
    with app.app_context():
        activity = db.session.get(Activity, course.activity_id)
        assert activity.kind == "goal_setting"
        assert db.session.scalars(select(Goal)).first() is not None
    # The same kind with another title still saves.
    same = course.people["prof"].post(
        f"/activities/{course.activity_id}/edit", kind="goal_setting", title="New", points="10"
    )
    assert same.status_code == 303
    # And the student's page still opens.
    assert course.people["alice"].get(course.base).status_code == 200


def test_update_activity_refuses_a_kind_change_with_data(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    course.draft("alice")
    with app.app_context():
        activity = db.session.get(Activity, course.activity_id)
        assert has_data(activity)
        config = ActivityConfig.of(activity)
        moved = ActivityConfig("rubric_cocreation", config.title, points=config.points)
        with pytest.raises(KindLocked) as refused:
            update_activity(activity, moved)
        assert refused.value.code == "KIND_LOCKED" and refused.value.status == 409
        assert isinstance(refused.value, DomainError)


def test_a_json_route_answers_errors_in_json(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    # A goal-setting activity is not a feedback rounds one: the JSON route says so in JSON.
    response = course.people["alice"].get(f"/feedback/{course.activity_id}/mine.json")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == "ACTIVITY_NOT_FOUND" and body["message"]
    # The same refusal on an HTML page is the in-iframe error page.
    page = course.people["alice"].get(f"/feedback/{course.activity_id}")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert error_code(page) == "ACTIVITY_NOT_FOUND"


def test_a_request_preferring_json_gets_json(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    who = course.people["alice"]
    response = client.get(
        f"/feedback/{course.activity_id}",
        headers={"X-Launch-Token": who.token, "Accept": "application/json"},
    )
    assert response.status_code == 404 and response.get_json()["error"] == "ACTIVITY_NOT_FOUND"


def test_a_domain_error_of_a_kind_rolls_back_and_renders_the_error_page(
    app, client, platform, platform_key
):
    course = set_up(app, client, platform_key)
    other_goal = 10**6
    response = course.people["alice"].get(f"{course.base}/g/{other_goal}")
    assert response.status_code == 404 and error_code(response) == "GOAL_NOT_FOUND"


def test_scoped_get_answers_the_same_for_missing_and_elsewhere(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    goal_id = course.draft("alice")
    with app.app_context():
        found = scoped_get(Goal, goal_id, activity_id=course.activity_id)
        assert found.id == goal_id
        for row_id, activity_id in ((goal_id, course.activity_id + 1), (goal_id + 99, None)):
            with pytest.raises(NotFound) as refused:
                scoped_get(Goal, row_id, activity_id=activity_id or course.activity_id)
            assert refused.value.status == 404
        with pytest.raises(NotFound):
            scoped_get(Goal, "not-a-number", activity_id=course.activity_id)
        with pytest.raises(TypeError):
            scoped_get(Goal, goal_id)  # never without a scope


def test_a_401_character_name_is_recorded_cut_to_its_column(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    with app.app_context():
        activity = db.session.get(Activity, course.activity_id)
        person = db.session.scalars(select(Person).where(Person.sub == "alice")).one()
        # given_name (200) + space + family_name (200): 401 characters, a legal LMS name.
        person.name = None
        person.given_name, person.family_name = "G" * 200, "F" * 200
        assert len(person.display_name) == 401
        event = record_event(
            person, "goal.drafted" + "x" * 100, "goal", "9" * 400, activity=activity, role="s"
        )
        db.session.commit()
        stored = db.session.get(Event, event.id)
        assert stored.actor_label == person.display_name[:300]
        assert len(stored.verb) == 60 and len(stored.object_id) == 255
        assert stored.context_id == activity.context_id
        assert stored.platform_id == person.platform_id
        assert stored.data == {"activity_id": activity.id, "role": "s"}


def test_the_tool_itself_is_recorded_as_the_system(app, client, platform, platform_key):
    course = set_up(app, client, platform_key)
    with app.app_context():
        activity = db.session.get(Activity, course.activity_id)
        event = record_event(
            None, "feedback.phase_moved", "activity", activity.id, activity=activity
        )
        db.session.commit()
        stored = db.session.get(Event, event.id)
        assert (stored.actor_kind, stored.actor_id, stored.actor_label) == (
            "system",
            None,
            "Coproduce",
        )
