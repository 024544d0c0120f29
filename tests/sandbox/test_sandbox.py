"""The sandbox LMS as a platform: its pages, its OIDC authorization endpoint (checked against
LTI 1.3 core 5.1.1.2, not against the tool's habits), its JWKS and id_tokens."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from flask import Flask

from lti_tool.lti import claims
from lti_tool.sandbox.roster import CLIENT_ID, USERS


@pytest.fixture
def sandbox_app(make_app) -> Flask:
    return make_app(
        SANDBOX=True,
        SANDBOX_BASE_URL="http://127.0.0.1:5000",
        LTI_TOOL_BASE_URL="http://localhost:5000",
    )


def _login_url(client, user_id="student-1", **query):
    html = client.get(f"/sandbox/course/{user_id}", query_string=query).get_data(as_text=True)
    return unescape(re.search(r'id="tool-frame" title="Coproduce" src="([^"]+)"', html).group(1))


def _auth_request(client, login_url):
    """What the tool would send the browser to: /sandbox/auth with all OIDC parameters."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(login_url).query).items()}
    return {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": params["client_id"],
        "redirect_uri": "http://localhost:5000/lti/launch",
        "login_hint": params["login_hint"],
        "lti_message_hint": params["lti_message_hint"],
        "state": "s-1",
        "nonce": "n-1",
    }


def test_index_lists_a_course_with_instructor_ta_and_eight_students(sandbox_app):
    html = sandbox_app.test_client().get("/sandbox/").get_data(as_text=True)
    students = [u for u in USERS if claims.ROLE_LEARNER in u.roles]
    assert len(students) >= 8
    for user in USERS:
        assert user.name in html


def test_course_page_embeds_the_tool_from_another_host_with_storage(sandbox_app):
    client = sandbox_app.test_client()
    url = _login_url(client)
    assert url.startswith("http://localhost:5000/lti/login?")
    params = parse_qs(urlsplit(url).query)
    assert params["iss"] == ["http://127.0.0.1:5000/sandbox"]
    assert params["lti_storage_target"] == ["post_message_forwarding"]
    assert params["client_id"] == [CLIENT_ID]
    html = client.get("/sandbox/course/student-1").get_data(as_text=True)
    assert 'name="post_message_forwarding"' in html


def test_storage_off_behaves_like_moodle(sandbox_app):
    url = _login_url(sandbox_app.test_client(), storage="0")
    assert "lti_storage_target" not in url


def test_unknown_user_is_404(sandbox_app):
    assert sandbox_app.test_client().get("/sandbox/course/nobody").status_code == 404


def test_auth_returns_a_signed_id_token_by_form_post(sandbox_app):
    client = sandbox_app.test_client()
    response = client.post("/sandbox/auth", data=_auth_request(client, _login_url(client, "ta-1")))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'action="http://localhost:5000/lti/launch"' in html
    token = re.search(r'name="id_token" value="([^"]+)"', html).group(1)
    assert 'name="state" value="s-1"' in html
    jwks = client.get("/sandbox/jwks.json").get_json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    body = jwt.decode(
        token, key, algorithms=["RS256"], audience=CLIENT_ID, issuer="http://127.0.0.1:5000/sandbox"
    )
    assert body["nonce"] == "n-1" and body["sub"] == "ta-1"
    assert body[claims.MESSAGE_TYPE] == claims.RESOURCE_LINK_REQUEST
    assert body[claims.VERSION] == "1.3.0"
    assert claims.ROLE_TEACHING_ASSISTANT in body[claims.ROLES]
    assert body[claims.CONTEXT]["id"] and body[claims.RESOURCE_LINK]["id"]
    assert jwt.get_unverified_header(token)["kid"] == jwks["keys"][0]["kid"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("redirect_uri", "https://evil.example/steal"),
        ("client_id", "someone-else"),
        ("response_type", "code"),
        ("scope", "profile"),
        ("response_mode", "query"),
        ("prompt", "login"),
        ("nonce", ""),
        ("login_hint", "forged"),
        ("lti_message_hint", "forged"),
    ],
)
def test_auth_refuses_bad_requests(sandbox_app, field, value):
    client = sandbox_app.test_client()
    request = {**_auth_request(client, _login_url(client)), field: value}
    response = client.get("/sandbox/auth", query_string=request)
    assert response.status_code == 400
    assert "id_token" not in response.get_data(as_text=True)


def test_sandbox_registration_is_idempotent(sandbox_app):
    runner = sandbox_app.test_cli_runner()
    assert runner.invoke(args=["sandbox", "init"]).exit_code == 0
    assert runner.invoke(args=["sandbox", "init"]).exit_code == 0
    listed = runner.invoke(args=["platform", "list"]).output
    assert listed.count("Sandbox LMS") == 1 and "sandbox-deployment-1 (active)" in listed
