"""Finding 5 (login CSRF through platform storage), as the attack: the attacker launches the tool
themselves, keeps the id_token and state the platform posted, and has a page on their own origin
post them to /lti/launch inside a frame in the victim's browser — then answers lti.get_data with
their own value. The tool must refuse that post before offering any storage check, send storage
messages only to the platform's known origins (never '*'), and write nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti.login import normalise_origin, set_storage_origins, storage_origins
from lti_tool.models import Membership, Person, Platform, UsedNonce
from tests.builders import ISSUER, Claims, error_code, login, make_platform, sign

STORAGE = "post_message_forwarding"


def _written(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Person, Membership, UsedNonce)
        )


def _captured_launch(client, platform_key):  # type: ignore[no-untyped-def]
    """What the attacker keeps from their own launch: the platform's form_post fields."""
    started = login(client, storage_target=STORAGE)
    token = sign(Claims(nonce=started.nonce, sub="attacker").body, platform_key)
    client._cookies.clear()  # the victim's browser has no state cookie for this login
    return started, token


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost.evil"])
def test_a_launch_posted_from_another_origin_gets_no_storage_check(
    app, client, platform, platform_key, origin
):
    before = _written(app)
    started, token = _captured_launch(client, platform_key)
    response = client.post(
        "/lti/launch",
        data={"id_token": token, "state": started.state},
        headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 401
    assert error_code(response) == "STATE_STORAGE_ORIGIN"
    assert "lti.get_data" not in response.get_data(as_text=True)
    assert _written(app) == before


def test_the_attackers_storage_answer_posted_from_their_page_is_refused(
    app, client, platform, platform_key
):
    before = _written(app)
    started, token = _captured_launch(client, platform_key)
    response = client.post(
        "/lti/launch",
        data={
            "id_token": token,
            "state": started.state,
            "lti_storage_value": started.data["storage_value"],
        },
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert 400 <= response.status_code < 500
    assert _written(app) == before


def test_the_platforms_own_form_post_gets_the_storage_check(app, client, platform, platform_key):
    started, token = _captured_launch(client, platform_key)
    response = client.post(
        "/lti/launch",
        data={"id_token": token, "state": started.state},
        headers={"Origin": ISSUER, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "lti.get_data" in html
    data = re.search(r'id="check-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    assert f'"storage_origins": ["{ISSUER}"]' in data
    _assert_no_wildcard_target(html)


def _assert_no_wildcard_target(html: str) -> None:
    script = html[html.index("<script nonce=") :]  # the page's code (CSP nonce), not its data
    assert "'*'" not in script and '"*"' not in script, "a storage message may go to any origin"
    assert "event.origin" in script and "storage_origins.indexOf(event.origin)" in script


def test_login_page_sends_storage_messages_only_to_known_origins(app, client, platform):
    started = login(client, storage_target=STORAGE)
    assert started.data["storage_origins"] == [ISSUER]
    _assert_no_wildcard_target(started.response.get_data(as_text=True))


def test_canvas_without_listed_domains_has_only_the_auth_origin(app, client, jwks):
    with app.app_context():
        make_platform(jwks.url, issuer="https://canvas.instructure.com", product_family="canvas")
    started = login(client, issuer="https://canvas.instructure.com", storage_target=STORAGE)
    assert started.data["storage_origins"] == ["https://canvas.instructure.com"]


def test_canvas_domain_listed_on_the_registration_may_post_the_launch(
    app, client, jwks, platform_key
):
    with app.app_context():
        p = db.session.scalars(select(Platform)).first() or make_platform(jwks.url)
        set_storage_origins(p, ["https://school.instructure.com/"])
        db.session.commit()
    started, token = _captured_launch(client, platform_key)
    ok = client.post(
        "/lti/launch",
        data={"id_token": token, "state": started.state},
        headers={"Origin": "https://school.instructure.com"},
    )
    assert ok.status_code == 200 and "lti.get_data" in ok.get_data(as_text=True)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://School.Instructure.com", "https://school.instructure.com"),
        ("https://school.instructure.com/", "https://school.instructure.com"),
        ("http://localhost:5000", "http://localhost:5000"),
        ("*", None),
        ("https://*.instructure.com", None),
        ("https://school.instructure.com/courses/1", None),
        ("javascript:alert(1)", None),
        ("https://user:pw@school.instructure.com", None),
        ("school.instructure.com", None),
    ],
)
def test_only_exact_origins_are_kept(value, expected):
    assert normalise_origin(value) == expected


def test_storage_origins_always_include_the_auth_endpoint_and_never_a_wildcard(app, platform):
    with app.app_context():
        p = db.session.get(Platform, platform.id)
        refused = set_storage_origins(
            p, ["*", "https://other.example.edu", "https://other.example.edu", ISSUER]
        )
        assert refused == ["*"]
        assert storage_origins(p) == [ISSUER, "https://other.example.edu"]
