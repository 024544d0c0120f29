"""Deep Linking 2.0: the settings a request carries, and the signed response the picker returns
(checked against the tool's published JWKS as a platform would): the `ltiResourceLink` with our
activity id, its line item, the presentation the platform accepts, `data` echoed; `errormsg` on
cancel."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import jwt
import pytest

from lti_tool.extensions import db
from lti_tool.lti import claims, deep_linking
from lti_tool.lti.errors import LtiError
from lti_tool.lti.keys import published_jwks
from lti_tool.models import Activity, DeepLinkRequest, LineItem
from tests.advantage import dl_response, form_tokens
from tests.builders import CLIENT_ID, DEPLOYMENT_ID, ISSUER, Claims, login, post_launch, sign

RETURN_URL = "https://lms.example.edu/deep_link/return?session=AbC"


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)  # nothing is delivered in these tests


def dl_launch(client, key, *, role="facilitator", **settings):
    started = login(client)
    body = Claims(
        nonce=started.nonce,
        role=role,
        body={
            claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
            claims.DEEP_LINKING_SETTINGS: {
                "deep_link_return_url": RETURN_URL,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "data": "opaque-Data-123",
                **settings,
            },
        },
    ).body
    body.pop(claims.RESOURCE_LINK)
    return post_launch(client, sign(body, key), started.state)


def verify_response(app, token: str) -> dict:
    with app.app_context():
        settings = app.extensions["coproduce.settings"]
        from datetime import timedelta

        jwks = published_jwks(settings.LTI_KEYS_DIR, timedelta(hours=1))
    key = next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=ISSUER)


def choose(client, response, **form):
    location = response.headers["Location"]
    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    fields = {
        **form_tokens(html),
        "kind": "rubric_cocreation",
        "title": "Our rubric",
        "instructions": "Propose criteria.",
        "points": "20",
        "phase-rubric_cocreation-propose": "2026-09-01",
        "phase-rubric_cocreation-vote": "2026-09-15",
        **form,
    }
    return client.post(urlsplit(location).path, data=fields)


def test_settings_are_read_from_the_claim():
    settings = deep_linking.DeepLinkSettings.from_claims(
        {
            deep_linking.SETTINGS_CLAIM: {
                "deep_link_return_url": RETURN_URL,
                "accept_types": ["link", "ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
                "accept_multiple": "true",
                "accept_lineitem": False,
                "data": {"x": 1},
            }
        }
    )
    assert settings.accepts_resource_links and settings.accept_multiple
    assert not settings.accept_lineitem and settings.data == {"x": 1}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//lms/x", "", None, "ftp://lms/x"])
def test_a_return_url_that_is_not_http_is_refused(url):
    with pytest.raises(LtiError) as raised:
        deep_linking.DeepLinkSettings.from_claims(
            {deep_linking.SETTINGS_CLAIM: {"deep_link_return_url": url, "accept_types": []}}
        )
    assert raised.value.code == "DEEP_LINK_RETURN_INVALID"


def test_picker_returns_a_signed_resource_link_with_its_line_item(
    app, client, platform, platform_key
):
    response = choose(client, dl_launch(client, platform_key))
    assert response.status_code == 200
    return_url, token = dl_response(response.get_data(as_text=True))
    assert return_url == RETURN_URL
    body = verify_response(app, token)
    assert body["iss"] == CLIENT_ID and body["aud"] == [ISSUER]
    assert body[claims.DEPLOYMENT_ID] == DEPLOYMENT_ID
    assert body[claims.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert body[claims.VERSION] == "1.3.0" and body["nonce"]
    assert body[deep_linking.DATA] == "opaque-Data-123"
    (item,) = body[deep_linking.CONTENT_ITEMS]
    with app.app_context():
        activity = db.session.scalars(db.select(Activity)).one()
        assert db.session.scalars(db.select(LineItem)).one().state == "declared"
        assert db.session.scalars(db.select(DeepLinkRequest)).one().responded_at is not None
        assert activity.phase_dates == {"propose": "2026-09-01", "vote": "2026-09-15"}
        assert item == {
            "type": "ltiResourceLink",
            "title": "Our rubric",
            "text": "Propose criteria.",
            "url": "http://localhost/lti/launch",
            "custom": {"activity_id": str(activity.id)},
            "lineItem": {
                "label": "Our rubric",
                "scoreMaximum": 20.0,
                "resourceId": activity.resource_id,
                "tag": "rubric_cocreation",
                # LTI Submission Review 1.0 §2.2: the gradebook can open the work by a launch.
                "submissionReview": {
                    "reviewableStatus": ["Submitted", "Completed"],
                    "label": "Open the work in Coproduce",
                    "url": "http://localhost/lti/launch",
                },
            },
            "iframe": {"height": 900},
        }


def test_window_only_platform_gets_a_window_hint(app, client, platform, platform_key):
    launched = dl_launch(client, platform_key, accept_presentation_document_targets=["window"])
    _, token = dl_response(choose(client, launched).get_data(as_text=True))
    (item,) = verify_response(app, token)[deep_linking.CONTENT_ITEMS]
    assert item["window"] == {"targetName": "coproduce"} and "iframe" not in item


@pytest.mark.parametrize("settings,points", [({"accept_lineitem": False}, "20"), ({}, "0")])
def test_no_line_item_when_refused_or_ungraded(
    app, client, platform, platform_key, settings, points
):
    launched = dl_launch(client, platform_key, **settings)
    _, token = dl_response(choose(client, launched, points=points).get_data(as_text=True))
    (item,) = verify_response(app, token)[deep_linking.CONTENT_ITEMS]
    assert "lineItem" not in item
    with app.app_context():
        state = db.session.scalars(db.select(LineItem.state)).one()
    assert state == ("wanted" if points != "0" else "ungraded")


def test_absent_data_is_not_invented(app, client, platform, platform_key):
    launched = dl_launch(client, platform_key, data=None)
    _, token = dl_response(choose(client, launched).get_data(as_text=True))
    assert deep_linking.DATA not in verify_response(app, token)


def test_cancel_returns_errormsg_and_no_items(app, client, platform, platform_key):
    location = dl_launch(client, platform_key).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    response = client.post(urlsplit(location).path + "/cancel", data=form_tokens(html))
    assert response.status_code == 200
    _, token = dl_response(response.get_data(as_text=True))
    body = verify_response(app, token)
    assert body[deep_linking.CONTENT_ITEMS] == []
    assert "cancelled" in body[deep_linking.ERRORMSG]
    assert body[deep_linking.DATA] == "opaque-Data-123"
    with app.app_context():
        assert db.session.scalars(db.select(Activity)).all() == []


def test_answer_is_given_once(app, client, platform, platform_key):
    location = dl_launch(client, platform_key).headers["Location"]
    tokens = form_tokens(client.get(location).get_data(as_text=True))
    form = {**tokens, "kind": "goal_setting", "title": "Goals", "points": "5"}
    assert client.post(urlsplit(location).path, data=form).status_code == 200
    again = client.post(urlsplit(location).path, data=form)  # a double click, a resubmission
    assert again.status_code == 409
    assert re.search(r"DEEP_LINK_ANSWERED", again.get_data(as_text=True))
    assert client.get(location).status_code == 409
    with app.app_context():
        assert len(db.session.scalars(db.select(Activity)).all()) == 1
