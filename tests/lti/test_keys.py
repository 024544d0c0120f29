"""The tool's keys: generated on first use (0600, RFC 7638 kid), published, rotated with a grace
period, retired."""

from __future__ import annotations

import stat
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.models import ToolKey, utcnow


def _keys_dir(app):
    return app.extensions["coproduce.settings"].LTI_KEYS_DIR


def test_first_jwks_request_creates_a_key_file_with_mode_0600(make_app):
    app = make_app(KEY_STORE="directory")
    client = app.test_client()
    document = client.get("/.well-known/jwks.json").get_json()
    assert len(document["keys"]) == 1
    jwk = document["keys"][0]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    assert "d" not in jwk and "p" not in jwk  # never the private parts
    path = _keys_dir(app) / f"{jwk['kid']}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.rfc7638_thumbprint(jwk) == jwk["kid"]


def test_kid_is_the_rfc7638_thumbprint():
    # RFC 7638 section 3.1's example key and thumbprint.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
    }
    assert keys.rfc7638_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_rotation_keeps_the_old_key_published_during_the_grace_period(app, ctx):
    d = _keys_dir(app)
    grace = timedelta(hours=72)
    first = keys.ensure_current_key(d)
    old_signing = keys.signing_key(d)
    token = jwt.encode(
        {"sub": "x"}, old_signing.private_pem, algorithm="RS256", headers={"kid": first.kid}
    )

    second = keys.rotate(d)
    assert keys.signing_key(d).kid == second.kid != first.kid
    published = {k["kid"]: k for k in keys.published_jwks(d, grace)["keys"]}
    assert set(published) == {first.kid, second.kid}
    # A signature made with the previous key still verifies against the published JWKS.
    assert (
        jwt.decode(token, jwt.PyJWK(published[first.kid]).key, algorithms=["RS256"])["sub"] == "x"
    )

    # After the grace period the previous key is no longer published.
    later = db.session.get(ToolKey, first.kid)
    later.rotated_at = utcnow() - grace - timedelta(minutes=1)
    db.session.commit()
    assert {k["kid"] for k in keys.published_jwks(d, grace)["keys"]} == {second.kid}


def test_retired_key_disappears_and_current_cannot_be_retired(app, ctx):
    d = _keys_dir(app)
    first = keys.ensure_current_key(d)
    with pytest.raises(ValueError):
        keys.retire(first.kid)
    second = keys.rotate(d)
    keys.retire(first.kid)
    kids = {k["kid"] for k in keys.published_jwks(d, timedelta(hours=72))["keys"]}
    assert kids == {second.kid}
    with pytest.raises(LookupError):
        keys.retire("no-such-kid")


def test_cli_keys_list_rotate_retire(app):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["keys", "list"])
    assert listed.exit_code == 0 and "current" in listed.output
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0 and "new current key" in rotated.output
    with app.app_context():
        previous = db.session.scalars(select(ToolKey).where(ToolKey.status == "previous")).one()
    listed = runner.invoke(args=["keys", "list"])
    assert "previous" in listed.output and "until" in listed.output
    retired = runner.invoke(args=["keys", "retire", "--", previous.kid])  # kids may start with "-"
    assert retired.exit_code == 0
    refused = runner.invoke(args=["keys", "retire", "nope"])
    assert refused.exit_code != 0 and "no key" in refused.output


def test_private_keys_are_git_ignored():
    from pathlib import Path

    ignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert "keys/*.pem" in ignore
