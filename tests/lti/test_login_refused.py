"""Bad logins: each a 4xx page with its code; nothing set, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Platform, PlatformStatus
from tests.builders import CLIENT_ID, ISSUER, TOOL, error_code

GOOD = {
    "iss": ISSUER,
    "login_hint": "hint",
    "target_link_uri": TOOL + "/lti/launch",
    "client_id": CLIENT_ID,
}


@pytest.mark.parametrize(
    "changes,status,code",
    [
        ({"iss": None}, 400, "LOGIN_PARAM_MISSING"),
        ({"login_hint": None}, 400, "LOGIN_PARAM_MISSING"),
        ({"target_link_uri": None}, 400, "LOGIN_PARAM_MISSING"),
        ({"target_link_uri": "https://evil.example/phish"}, 400, "LOGIN_TARGET_INVALID"),
        ({"iss": "https://unknown.example"}, 400, "REGISTRATION_UNKNOWN"),
        ({"client_id": "unknown-client"}, 400, "REGISTRATION_UNKNOWN"),
    ],
)
def test_bad_login_is_refused(client, platform, changes, status, code):
    params = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    response = client.get("/lti/login", query_string=params)
    assert response.status_code == status
    assert error_code(response) == code
    assert not response.headers.getlist("Set-Cookie")


def test_login_without_client_id_finds_the_only_registration(client, platform):
    params = {k: v for k, v in GOOD.items() if k != "client_id"}
    assert client.get("/lti/login", query_string=params).status_code == 200


def test_login_without_client_id_is_refused_when_the_issuer_is_ambiguous(
    app, client, platform, jwks
):
    from tests.builders import make_platform

    with app.app_context():
        make_platform(jwks.url, client_id="second-client")
    params = {k: v for k, v in GOOD.items() if k != "client_id"}
    response = client.get("/lti/login", query_string=params)
    assert response.status_code == 400 and error_code(response) == "REGISTRATION_UNKNOWN"


def test_login_to_a_disabled_platform_is_refused(app, client, platform):
    with app.app_context():
        db.session.scalars(select(Platform)).one().status = PlatformStatus.DISABLED
        db.session.commit()
    response = client.get("/lti/login", query_string=GOOD)
    assert response.status_code == 403 and error_code(response) == "PLATFORM_DISABLED"


def test_login_page_escapes_what_the_platform_sent(client, platform):
    response = client.get(
        "/lti/login", query_string={**GOOD, "login_hint": "</script><script>alert(1)</script>"}
    )
    html = response.get_data(as_text=True)
    assert "</script><script>alert(1)" not in html
