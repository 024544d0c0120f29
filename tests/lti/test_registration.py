"""Dynamic Registration 1.0 against a platform that answers well, and one that answers errors:
each failure a clear page, nothing registered."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Deployment, Event, Platform
from tests.builders import error_code
from tests.registration_double import TOOL_CONFIGURATION, RegistrationPlatform


@pytest.fixture
def lms() -> Iterator[RegistrationPlatform]:
    double = RegistrationPlatform().start()
    yield double
    double.stop()


def _platforms(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Platform)) or 0


def _start(client, lms, token="reg-token-1", **extra):
    return client.get(
        "/lti/register",
        query_string={"openid_configuration": lms.config_url, "registration_token": token, **extra},
    )


def _confirmation(response) -> str:
    return re.search(r'name="confirmation" value="([^"]+)"', response.get_data(as_text=True)).group(
        1
    )


def test_full_flow_registers_the_platform_and_closes(app, client, lms):
    page = _start(client, lms)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "moodle" in html and lms.origin in html  # the platform it goes to
    assert "lti-ags/scope/score" in html  # scopes shown
    assert "Add a Coproduce activity" in html  # messages shown

    done = client.post(
        "/lti/register", data={"confirmation": _confirmation(page), "deployment_policy": "accept"}
    )
    assert done.status_code == 200
    assert "org.imsglobal.lti.close" in done.get_data(as_text=True)
    assert lms.received_auth == ["Bearer reg-token-1"]
    sent = lms.received[0]
    assert sent["initiate_login_uri"] == "http://localhost/lti/login"
    assert sent["redirect_uris"] == ["http://localhost/lti/launch"]
    assert sent["jwks_uri"] == "http://localhost/.well-known/jwks.json"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(sent["grant_types"]) == {"implicit", "client_credentials"}
    tool = sent[TOOL_CONFIGURATION]
    assert tool["domain"] == "localhost"
    assert {m["type"] for m in tool["messages"]} == {
        "LtiDeepLinkingRequest",
        "LtiResourceLinkRequest",
    }
    assert "https://canvas.instructure.com/lti/privacy_level" not in tool
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert (platform.issuer, platform.client_id) == (lms.origin, "client-1")
        assert platform.product_family == "moodle" and platform.deployment_policy == "accept"
        assert platform.auth_login_url == lms.origin + "/auth"
        assert db.session.scalars(select(Deployment)).one().deployment_id == "deployment-1"
        verbs = {e.verb for e in db.session.scalars(select(Event))}
        assert {"platform.created", "registration.completed"} <= verbs


def test_canvas_gets_placements_and_privacy_level(client, lms):
    lms.product_family_code = "canvas"
    page = _start(client, lms)
    client.post("/lti/register", data={"confirmation": _confirmation(page)})
    tool = lms.received[0][TOOL_CONFIGURATION]
    # Names without e-mail while the tool sends no mail (minimisation, tests/privacy).
    assert tool["https://canvas.instructure.com/lti/privacy_level"] == "name_only"
    assert "email" not in tool["claims"]
    deep = next(m for m in tool["messages"] if m["type"] == "LtiDeepLinkingRequest")
    assert set(deep["placements"]) == {"assignment_selection", "link_selection"}


def test_a_registered_platform_launches(app, client, lms, platform_key, jwks):
    from tests.builders import Claims, login, post_launch, sign

    lms.config_override = {"jwks_uri": jwks.url}
    page = _start(client, lms)
    client.post(
        "/lti/register", data={"confirmation": _confirmation(page), "deployment_policy": "hold"}
    )
    started = login(client, issuer=lms.origin, client_id="client-1")
    body = Claims(
        nonce=started.nonce,
        body={
            "iss": lms.origin,
            "aud": "client-1",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deployment-1",
        },
    ).body
    assert post_launch(client, sign(body, platform_key), started.state).status_code == 303


@pytest.mark.parametrize(
    "setup,step,status,code",
    [
        (
            lambda lms: setattr(lms, "config_override", {"issuer": "https://evil.example"}),
            "start",
            400,
            "DR_ISSUER_MISMATCH",
        ),
        (lambda lms: setattr(lms, "config_status", 401), "start", 424, "DR_CONFIG_UNREACHABLE"),
        (
            lambda lms: setattr(lms, "config_override", {"registration_endpoint": None}),
            "start",
            424,
            "DR_CONFIG_INVALID",
        ),
        (
            lambda lms: setattr(lms, "expected_token", "another-token"),
            "confirm",
            424,
            "DR_PLATFORM_REFUSED",
        ),
        (
            lambda lms: (
                setattr(lms, "register_status", 422),
                setattr(
                    lms,
                    "register_body",
                    {
                        "error": "invalid_client_metadata",
                        "error_description": "placements not allowed",
                    },
                ),
            ),
            "confirm",
            424,
            "DR_PLATFORM_REFUSED",
        ),
        (
            lambda lms: setattr(lms, "register_body", {"no": "client id"}),
            "confirm",
            424,
            "DR_RESPONSE_INVALID",
        ),
        (lambda lms: lms.stop(), "start", 424, "DR_CONFIG_UNREACHABLE"),
    ],
    ids=[
        "issuer mismatch",
        "401 on the configuration",
        "no registration endpoint",
        "401 on the token",
        "4xx with a JSON error body",
        "no client_id",
        "unreachable",
    ],
)
def test_failures_give_their_message_and_register_nothing(
    app, client, lms, setup, step, status, code
):
    if step == "confirm":
        page = _start(client, lms)
        assert page.status_code == 200
        setup(lms)
        response = client.post("/lti/register", data={"confirmation": _confirmation(page)})
    else:
        setup(lms)
        response = _start(client, lms)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert error_code(response) == code
    assert _platforms(app) == 0
    if code == "DR_PLATFORM_REFUSED" and lms.register_status == 422:
        assert "placements not allowed" in response.get_data(as_text=True)


def test_platform_unreachable_at_registration(app, client, lms):
    page = _start(client, lms)
    lms.stop()
    response = client.post("/lti/register", data={"confirmation": _confirmation(page)})
    assert response.status_code == 424 and error_code(response) == "DR_PLATFORM_UNREACHABLE"
    assert _platforms(app) == 0


def test_repeated_registration_is_refused(app, client, lms):
    page = _start(client, lms)
    confirmation = _confirmation(page)
    assert client.post("/lti/register", data={"confirmation": confirmation}).status_code == 200
    again = client.post("/lti/register", data={"confirmation": confirmation})
    assert again.status_code == 409 and error_code(again) == "DR_ALREADY_REGISTERED"
    assert _platforms(app) == 1
    assert len(lms.received) == 1  # the platform was not asked twice


def test_platform_assigning_an_existing_client_id_is_refused(app, client, lms):
    client.post("/lti/register", data={"confirmation": _confirmation(_start(client, lms))})
    lms.client_counter = 0  # the platform hands out client-1 again
    response = client.post(
        "/lti/register", data={"confirmation": _confirmation(_start(client, lms))}
    )
    assert response.status_code == 409 and error_code(response) == "DR_ALREADY_REGISTERED"
    assert _platforms(app) == 1


def test_tampered_confirmation_is_refused(app, client, lms):
    confirmation = _confirmation(_start(client, lms))
    response = client.post("/lti/register", data={"confirmation": confirmation[:-3] + "abc"})
    assert response.status_code == 400 and error_code(response) == "DR_CONFIRMATION_INVALID"
    response = client.post("/lti/register", data={})
    assert response.status_code == 400 and error_code(response) == "DR_CONFIRMATION_MISSING"
    assert _platforms(app) == 0


def test_missing_configuration_url(client):
    response = client.get("/lti/register")
    assert response.status_code == 400 and error_code(response) == "DR_CONFIG_URL_INVALID"


def test_invite_mode(make_app, lms):
    app = make_app(DYNAMIC_REGISTRATION="invite")
    client = app.test_client()
    refused = _start(client, lms)
    assert refused.status_code == 403 and error_code(refused) == "DR_INVITE_REQUIRED"
    assert error_code(_start(client, lms, invite="forged")) == "DR_INVITE_INVALID"
    runner = app.test_cli_runner()
    link = runner.invoke(args=["registration", "invite", "--note", "State U"]).output.splitlines()[
        0
    ]
    invite = link.split("invite=", 1)[1]
    page = _start(client, lms, invite=invite)
    assert page.status_code == 200
    assert (
        client.post("/lti/register", data={"confirmation": _confirmation(page)}).status_code == 200
    )
    reused = _start(client, lms, invite=invite)
    assert reused.status_code == 403 and error_code(reused) == "DR_INVITE_USED"


def test_off_mode(make_app, lms):
    client = make_app(DYNAMIC_REGISTRATION="off").test_client()
    response = _start(client, lms)
    assert response.status_code == 403 and error_code(response) == "DR_DISABLED"


def test_canvas_json_is_complete(client):
    config = client.get("/lti/canvas.json").get_json()
    assert config["title"] == "Coproduce"
    assert config["oidc_initiation_url"] == "http://localhost/lti/login"
    assert config["target_link_uri"] == "http://localhost/lti/launch"
    assert config["public_jwk_url"] == "http://localhost/.well-known/jwks.json"
    assert set(config["scopes"]) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        # To register the PNS notice handler (canvas-lms doc/api/pns.md).
        "https://purl.imsglobal.org/spec/lti/scope/noticehandlers",
    }
    # Course copy history, groups and sections (canvas-lms doc/api/tools_variable_substitutions.md).
    assert config["custom_fields"] == {
        "context_id_history": "$Context.id.history",
        "resource_link_id_history": "$ResourceLink.id.history",
        "coproduce_canvas_groups": "$Canvas.group.contextIds",
        "coproduce_canvas_section_ids": "$Canvas.course.sectionIds",
        "coproduce_canvas_section_names": "$com.instructure.User.sectionNames",
    }
    extension = config["extensions"][0]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "name_only"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"assignment_selection", "link_selection", "course_navigation"}
    for name in ("assignment_selection", "link_selection"):
        assert placements[name]["message_type"] == "LtiDeepLinkingRequest"
        assert placements[name]["target_link_uri"] == "http://localhost/lti/launch"
    # The course hub in the course menu, for staff (tests/hub/test_reaching.py).
    assert placements["course_navigation"]["message_type"] == "LtiResourceLinkRequest"


def test_switching_registration_off_stops_a_confirmation_in_flight(app, client, lms):
    page = _start(client, lms)
    settings = app.extensions["coproduce.settings"]
    from dataclasses import replace

    app.extensions["coproduce.settings"] = replace(settings, DYNAMIC_REGISTRATION="off")
    response = client.post("/lti/register", data={"confirmation": _confirmation(page)})
    assert response.status_code == 403 and error_code(response) == "DR_DISABLED"
    assert _platforms(app) == 0 and lms.received == []


def test_registered_names_tell_canvas_registrations_apart(app, client, lms):
    for _ in range(2):
        client.post("/lti/register", data={"confirmation": _confirmation(_start(client, lms))})
    with app.app_context():
        names = [p.name for p in db.session.scalars(select(Platform))]
    assert len(set(names)) == 2


def test_canvas_registration_records_its_deployment_and_signs_for_its_token_url(
    app, client, lms, tmp_path
):
    """Canvas publishes a bare host as authorization_server and answers the deployment at the
    top level: the deployment is recorded (first launches are not held) and the client
    assertion's aud is the token URL (what Canvas's jwt_validator accepts)."""
    import jwt as pyjwt

    from lti_tool.lti.access_tokens import client_assertion
    from lti_tool.lti.services import PlatformRef

    lms.product_family_code = "canvas"
    lms.canvas_answer = True
    lms.config_override = {"authorization_server": "canvas.instructure.com"}
    page = _start(client, lms)
    done = client.post(
        "/lti/register", data={"confirmation": _confirmation(page), "deployment_policy": "hold"}
    )
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert platform.product_family == "canvas" and platform.auth_audience is None
        assert db.session.scalars(select(Deployment)).one().deployment_id == "1:abc123"
        assertion = client_assertion(
            PlatformRef.of(platform), app.extensions["coproduce.settings"].LTI_KEYS_DIR
        )
    body = pyjwt.decode(assertion, options={"verify_signature": False})
    assert body["aud"] == lms.origin + "/token"
