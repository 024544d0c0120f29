"""After `keys rotate`: everything newly signed (service client assertions, deep linking
responses) uses the new key; what the previous key signed still verifies against the published
JWKS during the grace period; a retired key leaves the JWKS."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.access_tokens import client_assertion
from lti_tool.lti.deep_linking import response_jwt
from lti_tool.lti.services import PlatformRef
from lti_tool.models import Platform, ToolKey


def _published(client) -> dict[str, dict]:
    return {k["kid"]: k for k in client.get("/.well-known/jwks.json").get_json()["keys"]}


def _verify(token: str, published: dict[str, dict], **options) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, jwt.PyJWK(published[kid]).key, algorithms=["RS256"], **options)


def test_rotation_switches_new_signatures_and_keeps_old_ones_verifiable(app, client, platform):
    keys_dir = app.extensions["coproduce.settings"].LTI_KEYS_DIR
    runner = app.test_cli_runner()
    with app.app_context():
        p = db.session.scalars(select(Platform)).one()
        old_assertion = client_assertion(PlatformRef.of(p), keys_dir)
        old_response = response_jwt(p, "deployment-1", "opaque", [], keys_dir=keys_dir)
    old_kid = jwt.get_unverified_header(old_assertion)["kid"]
    assert jwt.get_unverified_header(old_response)["kid"] == old_kid

    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    with app.app_context():
        p = db.session.scalars(select(Platform)).one()
        new_assertion = client_assertion(PlatformRef.of(p), keys_dir)
        new_response = response_jwt(p, "deployment-1", "opaque", [], keys_dir=keys_dir)
        current = db.session.scalars(select(ToolKey).where(ToolKey.status == "current")).one().kid
    assert current != old_kid
    assert jwt.get_unverified_header(new_assertion)["kid"] == current
    assert jwt.get_unverified_header(new_response)["kid"] == current

    # During the grace period both keys are published and both generations verify.
    published = _published(client)
    assert set(published) == {old_kid, current}
    for token in (old_assertion, new_assertion):
        assert _verify(token, published, audience=p.auth_token_url)["iss"] == p.client_id
    for token in (old_response, new_response):
        body = _verify(token, published, audience=p.issuer)
        assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque"

    # Retired: gone from the JWKS, so what it signed no longer verifies.
    assert runner.invoke(args=["keys", "retire", "--", old_kid]).exit_code == 0
    published = _published(client)
    assert set(published) == {current}
    assert old_kid not in published
