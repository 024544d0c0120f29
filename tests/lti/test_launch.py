"""Successful logins and launches, for every role and both ways of binding the state."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Context, Deployment, Membership, Person, ResourceLink, UsedNonce
from tests.builders import (
    CLIENT_ID,
    ISSUER,
    Claims,
    launch,
    launch_token_of,
    login,
    post_launch,
    sign,
)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "role,expected,path",
    [
        ("student", "student", "/start"),
        ("coach", "coach", "/start"),
        # A link without an activity yet: its facilitator sets it up on this first launch.
        ("facilitator", "facilitator", "/activities/setup"),
        ("admin", "admin", "/start"),
    ],
)
def test_each_role_lands_on_its_start_page(client, platform, platform_key, role, expected, path):
    response = launch(client, platform_key, role)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == path
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-role="{expected}"' in html
    assert "Biology 101" in html
    assert "Sam Student" in html


def test_launch_records_person_course_membership_and_link(app, client, platform, platform_key):
    launch(client, platform_key, "facilitator", sub="prof-1")
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        # No e-mail kept while the tool sends none (SMTP_HOST unset): tests/privacy.
        assert (person.sub, person.email, person.platform_id) == ("prof-1", None, platform.id)
        context = db.session.scalars(select(Context)).one()
        assert (context.context_id, context.title) == ("course-1", "Biology 101")
        membership = db.session.scalars(select(Membership)).one()
        assert membership.role == "facilitator"
        assert membership.raw_roles == [claims.ROLE_INSTRUCTOR]
        assert db.session.scalars(select(ResourceLink)).one().resource_link_id == "link-1"
        assert count(UsedNonce) == 1


def test_second_launch_updates_rather_than_duplicates(app, client, platform, platform_key):
    launch(client, platform_key, "student")
    launch(client, platform_key, "coach", name="Sam Renamed")
    with app.app_context():
        assert count(Person) == 1 and count(Context) == 1 and count(Membership) == 1
        assert db.session.scalars(select(Membership)).one().role == "coach"
        assert db.session.scalars(select(Person)).one().name == "Sam Renamed"


def test_login_by_post_works_too(client, platform, platform_key):
    started = login(client, method="POST")
    response = post_launch(
        client, sign(Claims(nonce=started.nonce).body, platform_key), started.state
    )
    assert response.status_code == 303


def test_login_redirects_to_platform_auth_with_oidc_parameters(client, platform):
    started = login(client)
    auth = urlsplit(started.data["auth_url"])
    assert f"{auth.scheme}://{auth.netloc}{auth.path}" == ISSUER + "/auth"
    p = started.auth_params
    assert p["scope"] == "openid" and p["response_type"] == "id_token"
    assert p["response_mode"] == "form_post" and p["prompt"] == "none"
    assert p["client_id"] == CLIENT_ID
    assert p["redirect_uri"] == "http://localhost/lti/launch"
    assert p["login_hint"] == "user-hint" and p["lti_message_hint"] == "message-hint"


def test_state_cookie_is_partitioned_samesite_none_secure(client, platform):
    started = login(client)
    cookies = started.response.headers.getlist("Set-Cookie")
    state_cookie = next(c for c in cookies if c.startswith("lti_state_"))
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/lti/"):
        assert attribute in state_cookie


def test_launch_without_cookie_uses_platform_storage(client, platform, platform_key):
    started = login(client, storage_target="post_message_forwarding")
    assert started.data["storage_target"] == "post_message_forwarding"
    assert started.data["storage_key"].startswith("state_")
    token = sign(Claims(nonce=started.nonce).body, platform_key)
    client._cookies.clear()  # as in a browser that dropped every cookie of the iframe

    check_page = post_launch(client, token, started.state)
    assert check_page.status_code == 200
    assert "lti.get_data" in check_page.get_data(as_text=True)

    # Our page re-posts what the platform storage returned; the browser marks it same-origin.
    response = client.post(
        "/lti/launch",
        data={
            "id_token": token,
            "state": started.state,
            "lti_storage_value": started.data["storage_value"],
        },
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303


def test_storage_value_from_a_cross_site_post_is_refused(client, platform, platform_key):
    started = login(client, storage_target="post_message_forwarding")
    token = sign(Claims(nonce=started.nonce).body, platform_key)
    client._cookies.clear()
    response = client.post(
        "/lti/launch",
        data={
            "id_token": token,
            "state": started.state,
            "lti_storage_value": started.data["storage_value"],
        },
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400


def test_canvas_storage_messages_go_only_to_the_registrations_origins(app, client, jwks):
    # Issue 11 finding 5: this test asserted '*' (what Canvas's docs suggest), which let any
    # page framing a launch answer lti.get_data. Now: the auth endpoint's origin plus the
    # domains the registration lists, never '*'.
    from tests.builders import make_platform

    with app.app_context():
        p = make_platform(
            jwks.url, issuer="https://canvas.instructure.com", product_family="canvas"
        )
        p.storage_origins = ["https://school.instructure.com"]
        db.session.commit()
    started = login(
        client, issuer="https://canvas.instructure.com", storage_target="post_message_forwarding"
    )
    assert started.data["storage_origins"] == [
        "https://canvas.instructure.com",
        "https://school.instructure.com",
    ]
    assert "*" not in json.dumps(started.data["storage_origins"])


def test_unknown_deployment_is_accepted_when_the_policy_says_so(app, client, jwks, platform_key):
    from tests.builders import make_platform

    with app.app_context():
        make_platform(jwks.url, deployments=(), policy="accept")
    response = launch(client, platform_key)
    assert response.status_code == 303
    with app.app_context():
        deployment = db.session.scalars(select(Deployment)).one()
        assert deployment.seen_first_in_launch and deployment.status == "active"


def test_multiple_audiences_with_azp(client, platform, platform_key):
    started = login(client)
    body = Claims(
        nonce=started.nonce, body={"aud": ["other-tool", CLIENT_ID], "azp": CLIENT_ID}
    ).body
    assert post_launch(client, sign(body, platform_key), started.state).status_code == 303


def test_platform_key_rotation_is_followed(app, client, platform, platform_key, other_key, jwks):
    assert launch(client, platform_key).status_code == 303
    jwks.reset([platform_key, other_key])  # the platform rotates: a new key appears
    with app.app_context():  # the cached key set is older than the refetch guard
        from datetime import timedelta

        from lti_tool.models import PlatformKeySet

        cached = db.session.scalars(select(PlatformKeySet)).one()
        cached.fetched_at = cached.fetched_at - timedelta(minutes=5)
        db.session.commit()
    started = login(client)
    response = post_launch(client, sign(Claims(nonce=started.nonce).body, other_key), started.state)
    assert response.status_code == 303
    assert jwks.hits == 1  # one refetch, on the unknown kid


def test_unknown_kid_right_after_a_fetch_does_not_refetch(
    client, platform, platform_key, other_key, jwks
):
    assert launch(client, platform_key).status_code == 303
    jwks.reset([platform_key, other_key])
    started = login(client)
    response = post_launch(client, sign(Claims(nonce=started.nonce).body, other_key), started.state)
    assert response.status_code == 401
    assert jwks.hits == 0  # a forged kid cannot make the tool hammer the platform


def test_platform_keys_are_cached_between_launches(client, platform, platform_key, jwks):
    for _ in range(3):
        assert launch(client, platform_key).status_code == 303
    assert jwks.hits == 1


def test_deep_linking_and_submission_review_launches_reach_start_page(
    client, platform, platform_key
):
    started = login(client)
    body = Claims(
        nonce=started.nonce,
        role="facilitator",
        body={
            claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
            claims.DEEP_LINKING_SETTINGS: {
                "deep_link_return_url": "https://lms.example.edu/dl/return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
            },
        },
    ).body
    body.pop(claims.RESOURCE_LINK)
    response = post_launch(client, sign(body, platform_key), started.state)
    assert response.status_code == 303
    assert "Adding an activity" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_launch_session_names_the_launch(app, client, platform, platform_key):
    from lti_tool.auth import launch_token
    from lti_tool.extensions import db
    from lti_tool.models import LaunchSession, Membership

    response = launch(client, platform_key, "coach")
    token = launch_token_of(response)
    with app.app_context():
        row = db.session.get(LaunchSession, launch_token.session_id_of(token))
        assert row.platform_id == platform.id and row.resource_link_id is not None
        # The session names the membership; the role is that row's, read on every request.
        assert db.session.get(Membership, row.membership_id).role == "coach"
    ticket = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    assert ticket and token not in response.headers["Location"]


def _verified(app, client, platform_key, **body):
    from lti_tool.lti.launch import LaunchSettings, verify_launch
    from lti_tool.lti.login_state import decode_state

    started = login(client)
    token = sign(Claims(nonce=started.nonce, role="facilitator", body=body).body, platform_key)
    settings = app.extensions["coproduce.settings"]
    state = decode_state(started.state, settings.SECRET_KEY, 600)
    return verify_launch(
        token,
        state,
        LaunchSettings(
            keys_dir=settings.LTI_KEYS_DIR, leeway=60, jwks_ttl=60, http_timeout=5, nonce_ttl=600
        ),
    )


def test_verified_deep_link_launch_gives_pylti1p3_deep_link(app, client, platform, platform_key):
    with app.app_context():
        verified = _verified(
            app,
            client,
            platform_key,
            **{
                claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
                claims.DEEP_LINKING_SETTINGS: {
                    "deep_link_return_url": "https://lms.example.edu/dl/return",
                    "accept_types": ["ltiResourceLink"],
                    "accept_presentation_document_targets": ["iframe"],
                    "data": "opaque",
                },
            },
        )
        assert verified.is_deep_link
        message = verified.pylti_message()
        assert message.is_deep_link_launch()
        deep_link = message.get_deep_link()
        assert deep_link is not None


def test_plain_launch_does_not_need_the_private_key_file(make_app, platform, platform_key):
    from lti_tool.lti import keys

    # The directory store (a mounted volume); the database store's own test is in test_key_store.
    app = make_app(KEY_STORE="directory")
    client = app.test_client()
    with app.app_context():
        d = app.extensions["coproduce.settings"].LTI_KEYS_DIR
        current = keys.ensure_current_key(d)
        (d / f"{current.kid}.pem").unlink()
        with pytest.raises(keys.MissingKeyFile):
            keys.signing_key(d)
    assert launch(client, platform_key).status_code == 303


def test_admin_launch_without_a_course_reaches_the_admin_start_page(client, platform, platform_key):
    started = login(client)
    body = Claims(nonce=started.nonce, role="admin").body
    body.pop(claims.CONTEXT)  # e.g. Canvas's account navigation: a resource link, no course
    response = post_launch(client, sign(body, platform_key), started.state)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-role="admin"' in page and 'data-testid="admin-console-link"' in page


def test_facilitator_who_is_an_institution_admin_gets_the_console_link(
    client, platform, platform_key
):
    response = launch(
        client,
        platform_key,
        "facilitator",
        **{claims.ROLES: [claims.ROLE_INSTRUCTOR, claims.ROLE_INSTITUTION_ADMIN]},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-role="facilitator"' in page and "admin-console-link" in page
    plain = launch(client, platform_key, "facilitator", sub="other")
    assert "admin-console-link" not in client.get(plain.headers["Location"]).get_data(as_text=True)
