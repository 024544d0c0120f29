"""Safe phase moves in rubric co-creation (issue 15, item 1): the forward move names the next
phase; a move back is refused by the service without a confirmation and a reason, recorded,
and shown to students."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lti_tool.activities.phase_moves import BACKWARD_VERB, backward_notice
from lti_tool.activities.rubrics import services
from lti_tool.activities.rubrics.services import RubricError
from lti_tool.extensions import db
from lti_tool.models import Event, RubricSetup
from tests.activities.rubrics.test_views import room  # noqa: F401  (fixture)


def _refused(code, course, to, **kwargs):
    with pytest.raises(RubricError) as caught, db.session.begin_nested():
        services.move_phase(course.activity, course.setup, to, course.prof, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_move_back_needs_a_confirmation_and_a_reason(course):
    course.move("vote")
    _refused("CONFIRM_BACKWARD", course, "propose")
    _refused("REASON_REQUIRED", course, "propose", confirmed=True, reason="  ")
    _refused("PHASE_UNCHANGED", course, "vote")
    assert course.setup.phase == "vote"
    assert backward_notice(course.activity) is None
    services.move_phase(
        course.activity,
        course.setup,
        "propose",
        course.prof,
        confirmed=True,
        reason="Two criteria were missing",
    )
    db.session.flush()
    assert services.current_phase(course.activity, course.setup) == "propose"
    notice = backward_notice(course.activity)
    assert notice is not None
    assert (notice.to_label, notice.reason) == ("Propose criteria", "Two criteria were missing")
    moved = db.session.scalars(select(Event).where(Event.verb == "rubric.phase_moved")).all()
    assert [(e.data["before"], e.data["to"], e.data["backward"]) for e in moved][-1] == (
        "vote",
        "propose",
        True,
    )


def test_a_move_back_past_a_start_date_is_refused(course):
    course.activity.phase_dates = {"vote": "2000-01-01"}
    db.session.flush()
    _refused("PHASE_DATED", course, "discuss", confirmed=True, reason="Oops")


def test_over_http_the_move_back_without_confirmation_is_refused(app, room):  # noqa: F811
    prof, alice = room["prof"], room["alice"]
    page = prof.get().get_data(as_text=True)
    assert "Move on to: Discuss" in page and 'data-testid="phase-select"' not in page
    moved = prof.post("/phase", {"phase": "discuss", "from_phase": "propose"})
    assert moved.status_code == 303 and "done=move_phase" in moved.headers["Location"]
    done = prof.get(done="move_phase").get_data(as_text=True)
    assert 'role="status"' in done and "autofocus" in done
    # Back without the confirmation (a hand-made POST: the form's `required` is not the rule).
    for data in (
        {"phase": "propose", "from_phase": "discuss"},
        {"phase": "propose", "from_phase": "discuss", "reason": "Missing criteria"},
        {"phase": "propose", "from_phase": "discuss", "confirm_back": "yes"},
    ):
        refused = prof.post("/phase", data)
        assert refused.status_code == 400, data
    with app.app_context():
        assert db.session.scalars(select(RubricSetup.phase)).first() == "discuss"
        assert db.session.scalars(select(Event).where(Event.verb == BACKWARD_VERB)).all() == []
    back = prof.post(
        "/phase",
        {
            "phase": "propose",
            "from_phase": "discuss",
            "confirm_back": "yes",
            "reason": "Two criteria were missing <b>",
        },
    )
    assert back.status_code == 303
    student_page = alice.get().get_data(as_text=True)
    assert 'data-testid="back-notice"' in student_page
    assert "Two criteria were missing &lt;b&gt;" in student_page


def test_phase_moves_are_for_the_facilitator_and_need_csrf(app, room):  # noqa: F811
    for who in ("alice", "coach"):
        assert room[who].post("/phase", {"phase": "discuss"}).status_code == 403
    assert room["prof"].post("/phase", {"phase": "discuss"}, csrf=False).status_code in (400, 403)
    with app.app_context():
        assert db.session.scalars(select(RubricSetup.phase)).first() == "propose"


def test_case_uris_resolve_to_json_and_guessed_ones_do_not(app, room):  # noqa: F811
    from urllib.parse import urlsplit

    from tests.activities.rubrics.test_views import published

    vid = published(app, room)
    raw = room["bob"].get(f"/versions/{vid}/export.case.json").get_data(as_text=True)
    case = json.loads(raw)
    client = room["bob"].client  # no launch token: a URI is followed by whatever reads it
    uris = [case["uri"]] + [c["uri"] for c in case["CFRubricCriteria"]]
    uris += [lv["uri"] for c in case["CFRubricCriteria"] for lv in c["CFRubricCriterionLevels"]]
    for uri in uris:
        answer = client.get(urlsplit(uri).path)
        assert answer.status_code == 200 and answer.mimetype == "application/json", uri
        assert answer.get_json()["uri"] == uri
    rubric_path = urlsplit(case["uri"]).path
    token = rubric_path.split("/")[2]
    guessed = rubric_path.replace(token, f"{vid}.{'0' * 24}")
    assert client.get(guessed).status_code == 404
    assert client.get(rubric_path[: rubric_path.rindex("/")] + "/nope").status_code == 404
    # Only GET: nothing to post, so no CSRF surface.
    assert client.post(rubric_path).status_code == 405
