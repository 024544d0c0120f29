"""A fourth kind added through the contract alone: listed by the EXTRA_ACTIVITY_KINDS setting,
it is offered in the picker, placed by deep linking from the sandbox LMS, launched, scored
through the outbox into the sandbox gradebook, and its kind is fixed once it has data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.activities.kinds import kinds
from lti_tool.activities.services import has_data
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Activity
from lti_tool.sandbox.store import ReceivedScore
from tests.advantage import form_tokens, local, place_by_deep_linking
from tests.builders import session_token_for

TOY = "tests.activities.toy_kind:KIND"


@pytest.fixture
def toy_live(live_factory):  # type: ignore[no-untyped-def]
    return live_factory(EXTRA_ACTIVITY_KINDS=TOY)


def test_the_toy_kind_joins_the_registry_after_the_built_in_ones(toy_live):
    with toy_live.app.app_context():
        assert list(kinds())[-1] == "toy_tally"
        assert "toy_tally" in toy_live.app.blueprints


def test_the_toy_kind_is_placed_launched_and_scored(toy_live):
    live = toy_live
    teacher = live.client()
    picker = live.page(
        teacher, live.launch(teacher, "instructor-1", message_type=claims.DEEP_LINKING_REQUEST)
    )
    html = picker.get_data(as_text=True)
    assert 'value="toy_tally"' in html and "Each student says once" in html
    assert 'name="phase-toy_tally-open"' in html

    link_id = place_by_deep_linking(live, live.client(), kind="toy_tally", title="Who came")
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        assert activity.kind == "toy_tally"
        activity_id = activity.id

    # A student's launch lands on the toy's own page (web.dispatch asks the registry).
    student = live.client()
    launched = live.launch(student, "student-1", link_id=link_id)
    assert launched.status_code == 303
    assert f"/toy-tally/{activity_id}" in launched.headers["Location"]
    page = live.page(student, launched)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert "Who came" in page.get_data(as_text=True)

    form = form_tokens(page.get_data(as_text=True))
    counted = student.post(f"/toy-tally/{activity_id}/count", data=form)
    assert counted.status_code == 303, counted.get_data(as_text=True)[:500]
    again = student.get(local(counted.headers["Location"]))
    assert 'data-testid="toy-counted"' in again.get_data(as_text=True)

    # The shared grading path delivers the toy's score and artifact to the gradebook.
    live.deliver()
    with live.app.app_context():
        received = db.session.scalars(select(ReceivedScore)).all()
        assert [r.score_given for r in received] == [10]
        activity = db.session.get(Activity, activity_id)
        assert has_data(activity)
        assert kinds()["toy_tally"].export_csv(activity).splitlines()[0] == "person,score"

    # The kind is now fixed: the edit form refuses a change, inline.
    teacher = live.client()
    landed = live.launch(teacher, "instructor-1", link_id=link_id)
    token = session_token_for(live.app, landed.headers["Location"])
    edit = teacher.get(f"/activities/{activity_id}/edit", headers={"X-Launch-Token": token})
    refused = teacher.post(
        f"/activities/{activity_id}/edit",
        data={
            **form_tokens(edit.get_data(as_text=True)),
            "kind": "goal_setting",
            "title": "Who came",
            "points": "10",
        },
    )
    assert refused.status_code == 409 and 'id="err-kind"' in refused.get_data(as_text=True)


def test_without_the_setting_the_toy_kind_is_not_offered(live):
    with live.app.app_context():
        assert "toy_tally" not in kinds()
    assert "toy_tally" not in live.app.blueprints
