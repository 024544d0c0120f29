"""The PNS notice handler (/lti/notices): notices signed by the test platform's key are verified
(signature with the platform's JWKS, audience, issuer, expiry), stored before they are processed
and processed once by the `notices` job; a bad signature, another tool's audience, an expired or
replayed token is refused (4xx) and nothing of the request is stored. An LtiContextCopyNotice
makes the new course's links find last term's activities without any history variable. The
handler is registered with PUT on the service a launch names."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.activities.notices import process_notices, register_handlers
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.pns import NOTICE_CLAIM, ORIGIN_CONTEXTS_CLAIM, SERVICE_CLAIM
from lti_tool.models import ContextOrigin, NoticeHandler, Platform, ReceivedNotice
from tests.activities.test_course_copy import NEW_COURSE, land, new_term_launch, old_term_rubric
from tests.builders import CLIENT_ID, DEPLOYMENT_ID, ISSUER, error_code, launch, sign
from tests.service_double import Reply, ServiceDouble


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def copy_notice(**overrides: Any) -> dict[str, Any]:
    """An LtiContextCopyNotice as Canvas documents it (canvas-lms doc/api/pns.md)."""
    now = int(time.time())
    body: dict[str, Any] = {
        claims.VERSION: "1.3.0",
        NOTICE_CLAIM: {
            "id": str(uuid.uuid4()),
            "timestamp": "2027-01-04T11:24:25Z",
            "type": "LtiContextCopyNotice",
        },
        "aud": CLIENT_ID,
        "azp": CLIENT_ID,
        claims.DEPLOYMENT_ID: DEPLOYMENT_ID,
        "exp": now + 3600,
        "iat": now,
        "iss": ISSUER,
        "nonce": str(uuid.uuid4()),
        claims.CONTEXT: {
            **NEW_COURSE,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        ORIGIN_CONTEXTS_CLAIM: ["course-1"],
    }
    body.update(overrides)
    return body


def post(client, *tokens: str):
    return client.post(
        "/lti/notices",
        data=json.dumps({"notices": [{"jwt": t} for t in tokens]}),
        content_type="application/json",
    )


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(ReceivedNotice)) or 0


def test_a_copy_notice_is_stored_then_processed_and_the_new_course_finds_its_source(
    app, client, platform, platform_key
):
    source_id = old_term_rubric(app, client, platform_key)
    response = post(client, sign(copy_notice(), platform_key))  # no session, no CSRF token
    assert response.status_code == 200 and response.get_json() == {
        "stored": 1,
        "already_stored": 0,
    }
    with app.app_context():
        row = db.session.scalars(select(ReceivedNotice)).one()
        assert row.processed_at is None and row.notice_type == "LtiContextCopyNotice"
        assert process_notices() == 1 and process_notices() == 0  # once
        origin = db.session.scalars(select(ContextOrigin)).one()
        assert (origin.context_id, origin.origin_context_id) == ("course-2", "course-1")
    # A launch with no history variable at all: the notice says where the course came from.
    path, page = land(client, new_term_launch(client, platform_key))
    html = page.get_data(as_text=True)
    assert path == "/activities/setup" and f"/activities/setup/copy/{source_id}" in html


def test_the_same_notice_again_is_acknowledged_and_kept_once(app, client, platform, platform_key):
    body = copy_notice()
    assert post(client, sign(body, platform_key)).status_code == 200
    resent = {**body, "nonce": str(uuid.uuid4())}  # a new token for the same notice
    response = post(client, sign(resent, platform_key))
    assert response.status_code == 200 and response.get_json()["already_stored"] == 1
    with app.app_context():
        assert stored() == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"aud": "another-tool"}, 401, "AUDIENCE_MISMATCH"),
        ({"aud": "another-tool", "azp": "another-tool"}, 401, "NOTICE_UNKNOWN_TOOL"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, 401, "TOKEN_EXPIRED"),
        ({"iss": "https://elsewhere.example.edu"}, 401, "NOTICE_UNKNOWN_TOOL"),
        ({NOTICE_CLAIM: None}, 400, "NOTICE_CLAIM_MISSING"),
    ],
)
def test_bad_notices_are_refused_and_stored_nowhere(
    app, client, platform, platform_key, change, status, code
):
    good = sign(copy_notice(), platform_key)
    response = post(client, good, sign(copy_notice(**change), platform_key))
    assert response.status_code == status and error_code(response) == code
    with app.app_context():
        assert stored() == 0  # not even the good notice of the same request


def test_a_wrong_signature_is_refused(app, client, platform, platform_key, other_key):
    forged = sign(copy_notice(), other_key, kid=platform_key.kid)
    response = post(client, forged)
    assert response.status_code == 401 and error_code(response) == "NOTICE_INVALID"
    hmac = sign(copy_notice(), platform_key, alg="RS256")
    header, payload, _ = hmac.split(".")
    response = post(client, f"{header}.{payload}.AAAA")
    assert response.status_code == 401
    with app.app_context():
        assert stored() == 0


def test_a_replayed_token_is_refused(app, client, platform, platform_key):
    token = sign(copy_notice(jti="token-1"), platform_key)
    assert post(client, token).status_code == 200
    replay = post(client, token)
    assert replay.status_code == 409 and error_code(replay) == "NOTICE_REPLAYED"
    with app.app_context():
        assert stored() == 1


def test_a_body_without_notices_is_refused(app, client, platform):
    for body in ("{}", '{"notices": []}', "not json"):
        response = client.post("/lti/notices", data=body, content_type="application/json")
        assert response.status_code == 400 and error_code(response) == "NOTICES_MISSING"
    assert client.get("/lti/notices").status_code == 405


def test_the_handler_is_registered_where_a_launch_names_the_service(
    app, client, platform, platform_key
):
    double = ServiceDouble().start()
    try:
        with app.app_context():
            row = db.session.get(Platform, platform.id)
            row.auth_token_url = double.url + "/token"
            db.session.commit()
        double.reply("PUT", "/api/lti/notice-handlers/7", Reply(body={}))
        service = {
            SERVICE_CLAIM: {
                "service_versions": ["1.0"],
                "platform_notification_service_url": double.url + "/api/lti/notice-handlers/7",
                "scope": ["https://purl.imsglobal.org/spec/lti/scope/noticehandlers"],
                "notice_types_supported": ["LtiHelloWorldNotice", "LtiContextCopyNotice"],
            }
        }
        launch(client, platform_key, "facilitator", **service)
        launch(client, platform_key, "student", sub="s2", **service)
        with app.app_context():
            assert db.session.scalars(select(NoticeHandler.notice_type)).all() == [
                "LtiContextCopyNotice"
            ]
            settings = app.extensions["coproduce.settings"]
            done = register_handlers(
                tool_base_url="https://tool.example", keys_dir=settings.LTI_KEYS_DIR, timeout=5
            )
            assert done == 1
            assert (
                register_handlers(
                    tool_base_url="https://tool.example", keys_dir=settings.LTI_KEYS_DIR, timeout=5
                )
                == 0
            )
        put = [s for s in double.seen if s.method == "PUT"]
        assert len(put) == 1 and put[0].headers["Authorization"].startswith("Bearer ")
        assert json.loads(put[0].body) == {
            "notice_type": "LtiContextCopyNotice",
            "handler": "https://tool.example/lti/notices",
        }
        token_request = next(s for s in double.seen if s.path == "/token")
        assert "noticehandlers" in token_request.body
    finally:
        double.stop()
