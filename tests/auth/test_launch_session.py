"""The launch token: carried by links, forms and headers; expiring; never trusted beyond what it
names; and the CSRF protection that rides on it inside the iframe (no cookies)."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lti_tool.auth import launch_required, launch_token
from lti_tool.models import Role
from tests.builders import error_code, launch, launch_token_of


@pytest.fixture
def probe_app(app):
    """The test app plus two routes that use the launch session as activity views will."""
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/any", methods=["GET", "POST"])
    @launch_required()
    def any_role():
        return "ok"

    @bp.route("/probe/facilitators", methods=["POST"])
    @launch_required(Role.FACILITATOR)
    def facilitators_only():
        return "changed"

    app.register_blueprint(bp)
    return app


def test_token_in_query_header_or_form(probe_app, platform, platform_key):
    client = probe_app.test_client()
    token = launch_token_of(launch(client, platform_key))
    fresh = probe_app.test_client()  # no cookies at all, like a browser blocking them
    assert fresh.get("/probe/any", query_string={"lt": token}).status_code == 200
    assert fresh.get("/probe/any", headers={"X-Launch-Token": token}).status_code == 200


def test_start_page_without_token_is_401(client):
    response = client.get("/start")
    assert response.status_code == 401 and error_code(response) == "SESSION_MISSING"


def test_tampered_token_is_401(client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))
    response = client.get("/start", query_string={"lt": token[:-2] + "xx"})
    assert response.status_code == 401 and error_code(response) == "SESSION_INVALID"


def test_expired_token_is_401(app, client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))
    data = launch_token.read(token, app.config["SECRET_KEY"], 60)

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 9 * 3600

    from dataclasses import asdict

    old = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=launch_token.SALT, signer=PastSigner
    ).dumps(asdict(data))
    response = client.get("/start", query_string={"lt": old})
    assert response.status_code == 401 and error_code(response) == "SESSION_EXPIRED"


def test_token_naming_rows_of_another_platform_is_refused(app, client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))
    data = launch_token.read(token, app.config["SECRET_KEY"], 60)
    from dataclasses import replace

    forged = launch_token.issue(
        replace(data, platform_id=data.platform_id + 1), app.config["SECRET_KEY"]
    )
    response = client.get("/start", query_string={"lt": forged})
    assert response.status_code == 401


def test_role_check(probe_app, platform, platform_key):
    client = probe_app.test_client()
    student = launch_token_of(launch(client, platform_key, "student", sub="s1"))
    teacher = launch_token_of(launch(client, platform_key, "facilitator", sub="t1"))
    from flask_wtf.csrf import generate_csrf

    def post(token):
        with probe_app.test_request_context("/probe/facilitators", query_string={"lt": token}):
            csrf = generate_csrf()
        return probe_app.test_client().post(
            "/probe/facilitators", data={"launch_token": token, "csrf_token": csrf}
        )

    assert post(teacher).status_code == 200
    refused = post(student)
    assert refused.status_code == 403 and error_code(refused) == "ROLE_FORBIDDEN"


def test_post_without_csrf_token_is_refused(probe_app, platform, platform_key):
    client = probe_app.test_client()
    teacher = launch_token_of(launch(client, platform_key, "facilitator"))
    response = probe_app.test_client().post("/probe/facilitators", data={"launch_token": teacher})
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"


def test_csrf_token_of_another_launch_is_refused(probe_app, platform, platform_key):
    client = probe_app.test_client()
    first = launch_token_of(launch(client, platform_key, "facilitator", sub="t1"))
    second = launch_token_of(launch(client, platform_key, "facilitator", sub="t2"))
    from flask_wtf.csrf import generate_csrf

    with probe_app.test_request_context("/probe/facilitators", query_string={"lt": first}):
        csrf_of_first = generate_csrf()
    response = probe_app.test_client().post(
        "/probe/facilitators", data={"launch_token": second, "csrf_token": csrf_of_first}
    )
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"


def test_launch_session_sets_no_cookie(probe_app, platform, platform_key):
    client = probe_app.test_client()
    token = launch_token_of(launch(client, platform_key))
    response = probe_app.test_client().get("/start", query_string={"lt": token})
    assert response.status_code == 200
    assert not response.headers.getlist("Set-Cookie")


def test_user_text_is_escaped_on_the_start_page(client, platform, platform_key):
    evil = "<script>alert('x')</script>"
    response = launch(
        client,
        platform_key,
        name=evil,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "c-x", "title": evil},
        },
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert evil not in html
    assert "&lt;script&gt;" in html
