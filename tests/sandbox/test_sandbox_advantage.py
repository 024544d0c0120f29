"""The sandbox as a strict LTI Advantage platform: bearer tokens and scopes, score rules
(timestamps ordering scores, replays counted not stored, only students gradable), paging,
deep linking responses verified against the tool's keys, and its pages' access rules."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import ags, nrps
from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.http import new_session
from lti_tool.lti.keys import signing_key
from lti_tool.lti.services import PlatformRef
from lti_tool.models import Platform
from lti_tool.sandbox.roster import CLIENT_ID, DEPLOYMENT_ID
from tests.platform_double import PlatformKey


def bearer(live, *scopes: str) -> dict[str, str]:
    with live.app.app_context():
        platform = db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
        token = access_token(
            PlatformRef.of(platform),
            scopes,
            keys_dir=live.settings.LTI_KEYS_DIR,
            session=new_session(),
            timeout=5,
        )
    return {"Authorization": f"Bearer {token}"}


def column(live) -> str:
    response = live.http.post(
        f"{live.url}/sandbox/api/lineitems",
        json={"label": "Essay", "scoreMaximum": 10, "resourceId": "r1"},
        headers=bearer(live, ags.SCOPE_LINEITEM, ags.SCOPE_SCORE, ags.SCOPE_RESULT),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def post_score(live, url, when: datetime, user="student-1", given=5, **extra):
    body = {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": when.isoformat(timespec="microseconds"),
        **extra,
    }
    return live.http.post(
        url + "/scores",
        json=body,
        headers={
            **bearer(live, ags.SCOPE_LINEITEM, ags.SCOPE_SCORE, ags.SCOPE_RESULT),
            "Content-Type": ags.SCORE_MEDIA,
        },
    )


def test_scores_are_ordered_by_timestamp_and_replays_are_not_new_entries(live):
    url = column(live)
    now = datetime.now(UTC)
    assert post_score(live, url, now, given=5).status_code == 200
    assert post_score(live, url, now, given=5).status_code == 200  # sent again: same score
    older = post_score(live, url, now - timedelta(microseconds=1), given=9)
    assert older.status_code == 400 and "before" in older.json()["errors"]["message"]
    assert post_score(live, url, now + timedelta(microseconds=1), given=7).status_code == 200
    stats = live.stats()
    assert (stats["scores"], stats["replays"]) == (2, 1)
    results = live.http.get(
        url + "/results",
        headers=bearer(live, ags.SCOPE_LINEITEM, ags.SCOPE_SCORE, ags.SCOPE_RESULT),
    ).json()
    assert [(r["userId"], r["resultScore"]) for r in results] == [("student-1", 7)]


def test_only_students_can_be_graded(live):
    url = column(live)
    refused = post_score(live, url, datetime.now(UTC), user="instructor-1")
    assert refused.status_code == 422
    assert post_score(live, url, datetime.now(UTC), user="nobody").status_code == 422


@pytest.mark.parametrize(
    "headers,status",
    [({}, 401), ({"Authorization": "Bearer not-a-token"}, 401)],
)
def test_service_calls_need_a_valid_bearer_token(live, headers, status):
    response = live.http.get(f"{live.url}/sandbox/api/lineitems", headers=headers)
    assert response.status_code == status
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer") or not headers


def test_a_token_without_the_scope_is_forbidden(live):
    url = column(live)
    response = live.http.post(
        url + "/scores",
        json={},
        headers={**bearer(live, nrps.SCOPE_MEMBERSHIPS), "Content-Type": ags.SCORE_MEDIA},
    )
    assert response.status_code == 403


def test_paging_cursors_are_case_sensitive(live):
    live.faults(page_size=2)
    for n in range(3):
        live.http.post(
            f"{live.url}/sandbox/api/lineitems",
            json={"label": f"C{n}", "scoreMaximum": 1},
            headers=bearer(live, ags.SCOPE_LINEITEM),
        )
    first = live.http.get(
        f"{live.url}/sandbox/api/lineitems", headers=bearer(live, ags.SCOPE_LINEITEM)
    )
    next_url = first.links["next"]["url"]
    assert next_url != next_url.lower()
    assert live.http.get(next_url, headers=bearer(live, ags.SCOPE_LINEITEM)).status_code == 200
    lowered = live.http.get(next_url.lower(), headers=bearer(live, ags.SCOPE_LINEITEM))
    assert lowered.status_code == 400


def test_memberships_offer_differences_and_check_rlid(live):
    headers = bearer(live, nrps.SCOPE_MEMBERSHIPS)
    full = live.http.get(f"{live.url}/sandbox/api/memberships", headers=headers)
    # Ten people of the course and the mentor of one of them.
    assert len(full.json()["members"]) == 11 and "differences" in full.links
    live.roster_change(**{"student-8": "Inactive"})
    changed = live.http.get(full.links["differences"]["url"], headers=headers).json()["members"]
    assert [(m["user_id"], m["status"]) for m in changed] == [("student-8", "Inactive")]
    unknown = live.http.get(f"{live.url}/sandbox/api/memberships?rlid=nope", headers=headers)
    assert unknown.status_code == 400


def test_fault_settings_are_checked_and_a_reset_keeps_the_course_shape(live):
    assert live.http.put(f"{live.url}/sandbox/api/faults", json={"nonsense": 1}).status_code == 400
    live.faults(roster_size=30, error_rate=1.0)
    after = live.faults(latency_ms=5)
    assert (after["roster_size"], after["error_rate"], after["latency_ms"]) == (30, 0.0, 5)


def _dl_jwt(live, key=None, **overrides):
    from lti_tool.sandbox.messages import deep_link_data
    from lti_tool.sandbox.registry import builtin
    from lti_tool.sandbox.roster import find_user

    with live.app.app_context():
        tool_key = signing_key(live.settings.LTI_KEYS_DIR)
        data = deep_link_data(live.settings, find_user("instructor-1"), builtin(live.settings))
    now = int(time.time())
    body = {
        "iss": CLIENT_ID,
        "aud": [live.url + "/sandbox"],
        "iat": now,
        "exp": now + 60,
        "nonce": uuid.uuid4().hex,
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT_ID,
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti-dl/claim/data": data,
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
            {"type": "ltiResourceLink", "title": "A", "custom": {"activity_id": "1"}}
        ],
        **overrides,
    }
    if key is None:
        return jwt.encode(
            body, tool_key.private_pem, algorithm="RS256", headers={"kid": tool_key.kid}
        )
    return jwt.encode(body, key.private, algorithm="RS256", headers={"kid": tool_key.kid})


@pytest.mark.parametrize(
    "problem",
    ["foreign key", "data not echoed", "two items", "not a link", "other deployment"],
)
def test_deep_linking_responses_are_verified(live, problem):
    overrides: dict = {}
    key = None
    if problem == "foreign key":
        key = PlatformKey.generate()
    elif problem == "data not echoed":
        overrides["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = "forged"
    elif problem == "two items":
        item = {"type": "ltiResourceLink", "title": "A"}
        overrides["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = [item, item]
    elif problem == "not a link":
        overrides["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = [
            {"type": "html", "html": "x"}
        ]
    else:
        overrides["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "other"
    response = live.http.post(
        f"{live.url}/sandbox/deep-link-return", data={"JWT": _dl_jwt(live, key, **overrides)}
    )
    assert response.status_code == 400 and "SANDBOX_DEEP_LINK" in response.text
    assert live.http.get(f"{live.url}/sandbox/api/stats").json()["columns"] == 0


def test_a_tool_error_message_is_shown_escaped(live):
    token = _dl_jwt(
        live,
        **{
            "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [],
            "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg": "<b>cancelled</b>",
        },
    )
    page = live.http.post(f"{live.url}/sandbox/deep-link-return", data={"JWT": token})
    assert page.status_code == 200 and "&lt;b&gt;cancelled&lt;/b&gt;" in page.text


@pytest.mark.parametrize(
    "path", ["/sandbox/gradebook/student-1", "/sandbox/course/student-1/add-activity"]
)
def test_teacher_pages_are_refused_to_students(live, path):
    assert live.http.get(live.url + path).status_code == 403


def test_add_activity_opens_a_deep_linking_launch_in_the_iframe(live):
    page = live.http.get(f"{live.url}/sandbox/course/instructor-1/add-activity").text
    assert 'id="tool-frame"' in page and "lti_message_hint=" in page
    course = live.http.get(f"{live.url}/sandbox/course/instructor-1").text
    assert 'data-testid="add-activity"' in course and 'data-testid="gradebook-link"' in course
    student = live.http.get(f"{live.url}/sandbox/course/student-1").text
    assert 'data-testid="add-activity"' not in student


def test_canvas_profile_pages_names_and_roles_by_at_most_fifty(live):
    """canvas-lms lib/api.rb: api_max_per_page (50) caps every page, whatever `limit` asks;
    the tool's roster sync still gets everyone by following the pages."""
    from sqlalchemy import func, select

    from lti_tool.extensions import db
    from lti_tool.models import Context, RosterMember
    from lti_tool.roster import sync_roster
    from tests.advantage import place_by_deep_linking

    link_id = place_by_deep_linking(live, live.client())
    live.launch(live.client(), "student-1", link_id=link_id)
    live.faults(roster_size=130, page_size=50)
    assert live.http.put(f"{live.url}/sandbox/api/profile", json={"family": "canvas"}).ok
    headers = bearer(live, nrps.SCOPE_MEMBERSHIPS)
    page = live.http.get(f"{live.url}/sandbox/api/memberships?limit=200", headers=headers)
    assert len(page.json()["members"]) == 50 and "next" in page.links
    with live.app.app_context():
        context = db.session.scalars(select(Context)).one()
        sync_roster(context, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5)
        assert db.session.scalar(select(func.count(RosterMember.id))) == 130
        db.session.remove()
