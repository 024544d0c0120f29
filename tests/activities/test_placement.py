"""Placement: the first launch of a plain link (set up by its facilitator; "not set up yet" for
everyone else), deep-linked links bound on first launch within their own course only, editing,
and every route's roles and CSRF."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.ags import AGS_CLAIM, SCOPE_LINEITEM, SCOPE_SCORE
from lti_tool.models import Activity, LineItem, Placement
from tests.advantage import form_tokens
from tests.builders import error_code, launch, launch_token_of

CONFIG = {
    "kind": "feedback_rounds",
    "title": "Essay rounds",
    "instructions": "Write, review, respond.",
    "points": "30",
    "phase-feedback_rounds-submit": "2026-10-01",
}


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def land(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    # A kind with its own page (feedback rounds) is one more redirect away.
    return urlsplit(location).path, client.get(location, follow_redirects=True)


def set_up(client, key, **extra):
    path, page = land(client, launch(client, key, "facilitator", sub="prof", **extra))
    assert path == "/activities/setup"
    return client.post(path, data={**form_tokens(page.get_data(as_text=True)), **CONFIG})


def test_first_facilitator_launch_sets_up_the_link(app, client, platform, platform_key):
    response = set_up(client, platform_key)
    assert response.status_code == 303
    assert re.fullmatch(r"/activities/\d+", urlsplit(response.headers["Location"]).path)
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Essay rounds" in page and "Write, review, respond." in page and "30 points" in page
    with app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        assert (activity.kind, activity.placed_by) == ("feedback_rounds", "first_launch")
        assert activity.phase_dates == {"submit": "2026-10-01"}
        assert db.session.scalars(select(Placement.activity_id)).one() == activity.id
        assert db.session.scalars(select(LineItem.state)).one() == "wanted"
    # Everyone's next launch of the link opens the activity.
    path, page = land(client, launch(client, platform_key, "student", sub="s1"))
    # Straight to the kind's own page (feedback rounds has one).
    assert path == f"/feedback/{activity.id}" and "Essay rounds" in page.get_data(as_text=True)


def test_the_launch_line_item_becomes_the_column(app, client, platform, platform_key):
    ags = {
        AGS_CLAIM: {
            "scope": [SCOPE_LINEITEM, SCOPE_SCORE],
            "lineitems": "https://lms.example.edu/c/1/lineitems",
            "lineitem": "https://lms.example.edu/c/1/lineitems/77",
        }
    }
    assert set_up(client, platform_key, **ags).status_code == 303
    with app.app_context():
        column = db.session.scalars(select(LineItem)).one()
        assert (column.state, column.url) == ("ready", "https://lms.example.edu/c/1/lineitems/77")


@pytest.mark.parametrize("role", ["student", "coach"])
def test_others_see_that_it_is_not_set_up(app, client, platform, platform_key, role):
    path, page = land(client, launch(client, platform_key, role))
    assert path == "/start"
    html = page.get_data(as_text=True)
    assert 'data-testid="not-set-up"' in html and f'data-role="{role}"' in html
    token = launch_token_of(launch(client, platform_key, role, sub="other"))
    denied = client.get("/activities/setup", headers={"X-Launch-Token": token})
    assert denied.status_code == 403 and error_code(denied) == "ROLE_FORBIDDEN"
    with app.app_context():
        assert count(Activity) == 0


def test_setup_without_csrf_token_is_refused_and_writes_nothing(
    app, client, platform, platform_key
):
    path, page = land(client, launch(client, platform_key, "facilitator"))
    tokens = form_tokens(page.get_data(as_text=True))
    response = client.post(path, data={"launch_token": tokens["launch_token"], **CONFIG})
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"
    with app.app_context():
        assert count(Activity) == 0


def test_bad_configuration_is_shown_inline_and_writes_nothing(
    app, client, platform, platform_key, caplog
):
    caplog.set_level(logging.INFO, logger="lti_tool")
    path, page = land(client, launch(client, platform_key, "facilitator"))
    bad = {
        **form_tokens(page.get_data(as_text=True)),
        "kind": "nonsense",
        "title": " ",
        "points": "-3",
        "phase-feedback_rounds-submit": "soon",
    }
    response = client.post(path, data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('class="field-error"') == 3  # kind, title, points (no kind: no dates read)
    assert 'aria-invalid="true"' in html
    assert "form refused" in caplog.text
    bad_dates = {
        **bad,
        "kind": "feedback_rounds",
        "title": "T",
        "points": "5",
        "phase-feedback_rounds-review": "2026-01-01",
        "phase-feedback_rounds-respond": "2025-12-01",
    }
    response = client.post(path, data=bad_dates)
    assert response.status_code == 400
    assert "Submit: enter a date as YYYY-MM-DD" in response.get_data(as_text=True)
    assert "cannot start before Review" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Activity) == 0


def test_a_set_up_link_is_not_set_up_again(app, client, platform, platform_key):
    assert set_up(client, platform_key).status_code == 303
    token = launch_token_of(launch(client, platform_key, "facilitator", sub="prof"))
    again = client.get("/activities/setup", headers={"X-Launch-Token": token})
    assert again.status_code == 303 and "/activities/" in again.headers["Location"]


def test_deep_linked_custom_id_binds_only_within_its_course(app, client, platform, platform_key):
    assert set_up(client, platform_key).status_code == 303
    with app.app_context():
        activity_id = db.session.scalars(select(Activity.id)).one()
    custom = {claims.CUSTOM: {"activity_id": str(activity_id)}}
    # Another link of the same course carrying the id: bound to the activity.
    path, _ = land(
        client,
        launch(
            client, platform_key, "student", **custom, **{claims.RESOURCE_LINK: {"id": "link-2"}}
        ),
    )
    assert path == f"/feedback/{activity_id}"  # the kind's own page
    # A copied course's link names the original's activity: never bound across courses.
    copied = {
        **custom,
        claims.RESOURCE_LINK: {"id": "link-copy"},
        claims.CONTEXT: {"id": "course-copy", "title": "Biology 101 (copy)"},
    }
    path, _ = land(client, launch(client, platform_key, "facilitator", **copied))
    assert path == "/activities/setup"
    path, _ = land(client, launch(client, platform_key, "student", sub="s9", **copied))
    assert path == "/start"
    with app.app_context():
        assert count(Activity) == 1


def test_edit_changes_the_configuration_and_the_column_follows(app, client, platform, platform_key):
    ags = {
        AGS_CLAIM: {
            "scope": [SCOPE_LINEITEM, SCOPE_SCORE],
            "lineitems": "https://lms.example.edu/c/1/lineitems",
            "lineitem": "https://lms.example.edu/c/1/lineitems/77",
        }
    }
    location = set_up(client, platform_key, **ags).headers["Location"]
    activity_path = urlsplit(location).path
    edit = client.get(location.replace(activity_path, activity_path + "/edit"))
    assert edit.status_code == 200 and 'value="Essay rounds"' in edit.get_data(as_text=True)
    changed = {
        **form_tokens(edit.get_data(as_text=True)),
        **CONFIG,
        "title": "Essays",
        "points": "40",
    }
    assert client.post(activity_path + "/edit", data=changed).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Activity.title)).one() == "Essays"
        assert db.session.scalars(select(LineItem.state)).one() == "stale"
    no_csrf = {"launch_token": changed["launch_token"], **CONFIG}
    refused = client.post(activity_path + "/edit", data=no_csrf)
    assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"
    for role in ("student", "coach"):
        token = launch_token_of(launch(client, platform_key, role, sub=role))
        denied = client.get(activity_path + "/edit", headers={"X-Launch-Token": token})
        assert denied.status_code == 403 and error_code(denied) == "ROLE_FORBIDDEN"


def test_an_activity_of_another_course_is_not_found(app, client, platform, platform_key):
    activity_path = urlsplit(set_up(client, platform_key).headers["Location"]).path
    other = {claims.CONTEXT: {"id": "course-2", "title": "Chemistry"}}
    token = launch_token_of(launch(client, platform_key, "facilitator", sub="p2", **other))
    for path in (activity_path, activity_path + "/edit", activity_path + "/progress"):
        response = client.get(path, headers={"X-Launch-Token": token})
        assert response.status_code == 404 and error_code(response) == "ACTIVITY_NOT_FOUND", path
    assert client.get(activity_path).status_code == 401  # no launch at all


def test_user_text_is_escaped(app, client, platform, platform_key):
    path, page = land(client, launch(client, platform_key, "facilitator"))
    evil = "<script>alert('x')</script>"
    done = client.post(
        path,
        data={
            **form_tokens(page.get_data(as_text=True)),
            **CONFIG,
            "title": evil,
            "instructions": evil,
        },
    )
    html = client.get(done.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;" in html


def test_picker_roles_and_csrf(app, client, platform, platform_key):
    from tests.lti.test_deep_linking import dl_launch

    # A student's deep linking launch lands on their start page, which says why.
    path, page = land(client, dl_launch(client, platform_key, role="student"))
    assert path == "/start" and "Only the course's instructors" in page.get_data(as_text=True)
    location = dl_launch(client, platform_key).headers["Location"]
    picker = urlsplit(location).path
    tokens = form_tokens(client.get(location).get_data(as_text=True))
    student = launch_token_of(launch(client, platform_key, "student", sub="s2"))
    denied = client.get(picker, headers={"X-Launch-Token": student})
    assert denied.status_code == 403 and error_code(denied) == "ROLE_FORBIDDEN"
    # Another facilitator (another launch) cannot answer this request.
    other = launch_token_of(launch(client, platform_key, "facilitator", sub="prof-2"))
    stranger = client.get(picker, headers={"X-Launch-Token": other})
    assert stranger.status_code == 404 and error_code(stranger) == "DEEP_LINK_UNKNOWN"
    for target in (picker, picker + "/cancel"):
        refused = client.post(target, data={"launch_token": tokens["launch_token"], **CONFIG})
        assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"
    with app.app_context():
        assert count(Activity) == 0
