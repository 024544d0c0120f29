"""The negative battery: bad launches, each answered 4xx with its code and a plain message, and
nothing written (no person, course, membership, link, consumed nonce or deployment)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.login_state import SALT, LoginState, encode_state
from lti_tool.models import (
    Context,
    Deployment,
    DeploymentStatus,
    Membership,
    Person,
    Platform,
    PlatformStatus,
    ResourceLink,
    UsedNonce,
)
from tests.builders import (
    CLIENT_ID,
    ISSUER,
    Claims,
    error_code,
    login,
    make_platform,
    post_launch,
    sign,
)

WRITTEN = (Person, Context, Membership, ResourceLink, UsedNonce, Deployment)


@dataclass
class Env:
    app: Any
    client: Any
    key: Any
    other_key: Any
    jwks: Any

    def login(self, **kwargs: Any):  # type: ignore[no-untyped-def]
        return login(self.client, **kwargs)

    def signed(self, nonce: str, role: str = "student", **body: Any) -> str:
        return sign(Claims(nonce=nonce, role=role, body=body).body, self.key)

    def change(self, fn: Callable[[], None]) -> None:
        with self.app.app_context():
            fn()
            db.session.commit()


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _without(claim: str) -> Callable[[Env], Any]:
    def case(env: Env) -> Any:
        s = env.login()
        body = Claims(nonce=s.nonce).body
        body.pop(claim)
        return post_launch(env.client, sign(body, env.key), s.state)

    return case


def _with(**changes: Any) -> Callable[[Env], Any]:
    def case(env: Env) -> Any:
        s = env.login()
        return post_launch(env.client, env.signed(s.nonce, **changes), s.state)

    return case


def expired(env: Env) -> Any:
    s = env.login()
    past = int(time.time()) - 3600
    return post_launch(env.client, env.signed(s.nonce, iat=past - 300, exp=past), s.state)


def future_iat(env: Env) -> Any:
    s = env.login()
    future = int(time.time()) + 3600
    return post_launch(env.client, env.signed(s.nonce, iat=future, exp=future + 300), s.state)


def alg_none(env: Env) -> Any:
    s = env.login()
    body = Claims(nonce=s.nonce).body
    token = _b64({"alg": "none", "typ": "JWT", "kid": env.key.kid}) + "." + _b64(body) + "."
    return post_launch(env.client, token, s.state)


def hs256_with_public_key(env: Env) -> Any:
    s = env.login()
    body = Claims(nonce=s.nonce).body
    # The classic confusion attack: HMAC keyed with the platform's public key. PyJWT refuses to
    # sign with a PEM as an HMAC secret, so build the JWT by hand.
    import hashlib
    import hmac

    signing_input = _b64({"alg": "HS256", "typ": "JWT", "kid": env.key.kid}) + "." + _b64(body)
    mac = hmac.new(env.key.public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return post_launch(env.client, token, s.state)


def unknown_kid(env: Env) -> Any:
    s = env.login()
    return post_launch(env.client, sign(Claims(nonce=s.nonce).body, env.other_key), s.state)


def missing_kid(env: Env) -> Any:
    s = env.login()
    token = jwt.encode(Claims(nonce=s.nonce).body, env.key.private, algorithm="RS256")
    return post_launch(env.client, token, s.state)


def forged_with_published_kid(env: Env) -> Any:
    s = env.login()
    body = Claims(nonce=s.nonce).body
    return post_launch(env.client, sign(body, env.other_key, kid=env.key.kid), s.state)


def tampered_payload(env: Env) -> Any:
    s = env.login()
    header, _, signature = env.signed(s.nonce).split(".")
    body = Claims(nonce=s.nonce, role="facilitator").body  # promote ourselves
    return post_launch(env.client, f"{header}.{_b64(body)}.{signature}", s.state)


def junk_in_the_signature(env: Env) -> Any:
    # GHSA-hxm8-2xgr-2p9m: characters outside base64url are refused, not skipped.
    s = env.login()
    header, payload, signature = env.signed(s.nonce).split(".")
    return post_launch(env.client, f"{header}.{payload}.{signature[:-4]}!!!!", s.state)


def non_canonical_signature(env: Env) -> Any:
    # The same signature bytes with the unused low bits of the last character set: a second
    # spelling of one token, refused like PyJWT refuses it.
    s = env.login()
    header, payload, signature = env.signed(s.nonce).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    spare_bits = {2: 0b1111, 3: 0b11}[len(signature) % 4]
    assert last & spare_bits == 0
    forged = signature[:-1] + alphabet[last | 1]
    return post_launch(env.client, f"{header}.{payload}.{forged}", s.state)


def garbage_token(env: Env) -> Any:
    s = env.login()
    return post_launch(env.client, "not-a-jwt", s.state)


def missing_token(env: Env) -> Any:
    s = env.login()
    return post_launch(env.client, None, s.state)


def missing_state(env: Env) -> Any:
    s = env.login()
    return post_launch(env.client, env.signed(s.nonce), None)


def forged_state(env: Env) -> Any:
    s = env.login()
    forged = encode_state(
        LoginState(sid="x" * 16, nonce=s.nonce, platform_id=1, storage_target=None), "wrong-secret"
    )
    return post_launch(env.client, env.signed(s.nonce), forged)


def expired_state(env: Env) -> Any:
    s = env.login()

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3600

    sid = s.data["storage_value"]
    payload = {"s": sid, "n": s.nonce, "p": 1, "t": None}
    old = URLSafeTimedSerializer(env.app.config["SECRET_KEY"], salt=SALT, signer=PastSigner).dumps(
        payload
    )
    return post_launch(env.client, env.signed(s.nonce), old)


def state_not_bound(env: Env) -> Any:
    s = env.login()
    env.client._cookies.clear()  # a browser that dropped the state cookie, no platform storage
    return post_launch(env.client, env.signed(s.nonce), s.state)


def state_of_another_login(env: Env) -> Any:
    first = env.login()
    second = env.login()
    return post_launch(env.client, env.signed(first.nonce), second.state)


def replayed(env: Env) -> Any:
    s = env.login()
    token = env.signed(s.nonce)
    assert post_launch(env.client, token, s.state).status_code == 303
    env.counts_before = counts(env.app)  # type: ignore[attr-defined]
    # The launch spent the state cookie; an attacker replaying it brings the cookie back too.
    sid = s.data["storage_value"]
    env.client.set_cookie(f"lti_state_{sid}", sid, path="/lti/")
    return post_launch(env.client, token, s.state)


def replayed_in_the_same_browser(env: Env) -> Any:
    s = env.login()
    token = env.signed(s.nonce)
    assert post_launch(env.client, token, s.state).status_code == 303
    env.counts_before = counts(env.app)  # type: ignore[attr-defined]
    return post_launch(env.client, token, s.state)


def wrong_audience(env: Env) -> Any:
    s = env.login()
    return post_launch(
        env.client, env.signed(s.nonce, aud=["another-tool"], azp=CLIENT_ID), s.state
    )


def several_audiences_without_azp(env: Env) -> Any:
    s = env.login()
    return post_launch(env.client, env.signed(s.nonce, aud=[CLIENT_ID, "another-tool"]), s.state)


def issuer_of_another_registration(env: Env) -> Any:
    env.change(lambda: make_platform(env.jwks.url, issuer="https://other.example.edu"))
    env.counts_before = counts(env.app)  # type: ignore[attr-defined]
    s = env.login()  # login for the first platform, id_token from the second
    return post_launch(env.client, env.signed(s.nonce, iss="https://other.example.edu"), s.state)


def disabled_platform(env: Env) -> Any:
    s = env.login()

    def disable() -> None:
        db.session.scalars(select(Platform)).one().status = PlatformStatus.DISABLED

    env.change(disable)
    return post_launch(env.client, env.signed(s.nonce), s.state)


def inactive_deployment(env: Env) -> Any:
    s = env.login()

    def deactivate() -> None:
        db.session.scalars(select(Deployment)).one().status = DeploymentStatus.INACTIVE

    env.change(deactivate)
    return post_launch(env.client, env.signed(s.nonce), s.state)


def jwks_outage(env: Env) -> Any:
    env.jwks.status = 503
    s = env.login()
    return post_launch(env.client, env.signed(s.nonce), s.state)


def jwks_not_json(env: Env) -> Any:
    env.jwks.body = "<html>maintenance</html>"
    s = env.login()
    return post_launch(env.client, env.signed(s.nonce), s.state)


def unknown_deployment(env: Env) -> Any:
    # The 'hold' policy records the deployment as pending for the admin: the one write allowed.
    env.expected_writes = {"Deployment": 1}  # type: ignore[attr-defined]
    return _with(**{claims.DEPLOYMENT_ID: "unknown-deployment"})(env)


def pending_deployment(env: Env) -> Any:
    unknown_deployment(env)
    env.expected_writes = {"Deployment": 1}  # type: ignore[attr-defined]
    return _with(**{claims.DEPLOYMENT_ID: "unknown-deployment"})(env)


def no_context_for_a_student(env: Env) -> Any:
    return _without(claims.CONTEXT)(env)


def missing_resource_link_id(env: Env) -> Any:
    return _with(**{claims.RESOURCE_LINK: {"title": "no id"}})(env)


CASES: list[tuple[str, Callable[[Env], Any], int, str]] = [
    ("expired", expired, 401, "TOKEN_EXPIRED"),
    ("future iat", future_iat, 401, "TOKEN_NOT_YET_VALID"),
    ("wrong aud", wrong_audience, 401, "AUDIENCE_MISMATCH"),
    ("several aud, no azp", several_audiences_without_azp, 401, "AZP_MISSING"),
    ("wrong iss", _with(iss="https://evil.example"), 401, "REGISTRATION_UNKNOWN"),
    ("iss of another registration", issuer_of_another_registration, 401, "ISSUER_MISMATCH"),
    ("unknown client_id", _with(aud="unknown-client"), 401, "REGISTRATION_UNKNOWN"),
    ("alg none", alg_none, 401, "ALG_NOT_ALLOWED"),
    ("HS256 signed with the public key", hs256_with_public_key, 401, "ALG_NOT_ALLOWED"),
    ("unknown kid", unknown_kid, 401, "KID_UNKNOWN"),
    ("missing kid", missing_kid, 401, "KID_MISSING"),
    ("forged with the published kid", forged_with_published_kid, 401, "SIGNATURE_INVALID"),
    ("tampered payload", tampered_payload, 401, "SIGNATURE_INVALID"),
    ("replayed nonce", replayed, 401, "NONCE_REPLAYED"),
    ("replayed after the state was spent", replayed_in_the_same_browser, 401, "STATE_NOT_BOUND"),
    ("nonce of another login", state_of_another_login, 401, "NONCE_MISMATCH"),
    ("missing nonce", _without("nonce"), 400, "CLAIM_MISSING"),
    ("missing state", missing_state, 400, "STATE_MISSING"),
    ("forged state", forged_state, 400, "STATE_INVALID"),
    ("expired state", expired_state, 401, "STATE_EXPIRED"),
    ("state not bound to the browser", state_not_bound, 401, "STATE_NOT_BOUND"),
    (
        "unknown deployment",
        unknown_deployment,
        403,
        "DEPLOYMENT_UNKNOWN",
    ),
    ("pending deployment", pending_deployment, 403, "DEPLOYMENT_PENDING"),
    ("inactive deployment", inactive_deployment, 403, "DEPLOYMENT_INACTIVE"),
    ("missing deployment", _without(claims.DEPLOYMENT_ID), 400, "DEPLOYMENT_MISSING"),
    ("disabled platform", disabled_platform, 403, "PLATFORM_DISABLED"),
    (
        "wrong message type",
        _with(**{claims.MESSAGE_TYPE: "LtiStartProctoring"}),
        400,
        "MESSAGE_TYPE_UNSUPPORTED",
    ),
    ("wrong version", _with(**{claims.VERSION: "1.1"}), 400, "VERSION_UNSUPPORTED"),
    ("missing sub", _without("sub"), 400, "CLAIM_MISSING"),
    ("missing roles", _without(claims.ROLES), 400, "CLAIM_MISSING"),
    ("roles not a list", _with(**{claims.ROLES: "Learner"}), 400, "CLAIM_MISSING"),
    ("missing resource link id", missing_resource_link_id, 400, "CLAIM_MISSING"),
    (
        "missing deep linking settings",
        _with(**{claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST}),
        400,
        "CLAIM_MISSING",
    ),
    ("no context for a student", no_context_for_a_student, 400, "CONTEXT_MISSING"),
    ("garbage token", garbage_token, 400, "TOKEN_MALFORMED"),
    ("junk in the signature", junk_in_the_signature, 401, "TOKEN_INVALID"),
    ("non-canonical signature", non_canonical_signature, 401, "TOKEN_INVALID"),
    ("missing id_token", missing_token, 400, "TOKEN_MISSING"),
    ("JWKS outage", jwks_outage, 424, "JWKS_UNAVAILABLE"),
    ("JWKS not JSON", jwks_not_json, 424, "JWKS_INVALID"),
]


def counts(app: Any) -> dict[str, int]:
    with app.app_context():
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m)) or 0 for m in WRITTEN
        }


@pytest.mark.parametrize("name,case,status,code", CASES, ids=[c[0] for c in CASES])
def test_bad_launch_is_refused_and_writes_nothing(
    app, client, platform, platform_key, other_key, jwks, name, case, status, code, caplog
):
    env = Env(app=app, client=client, key=platform_key, other_key=other_key, jwks=jwks)
    before = counts(app)
    response = case(env)
    before = dict(getattr(env, "counts_before", before))
    for model, extra in getattr(env, "expected_writes", {}).items():
        before[model] += extra
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    assert error_code(response) == code
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "<h1" in html
    assert counts(app) == before, "a refused launch wrote something"
    assert any(code in r.getMessage() for r in caplog.records), "the cause was not logged"


def test_the_battery_has_at_least_twenty_distinct_refusals():
    assert len({c[3] for c in CASES}) >= 20
    assert len(CASES) >= 30


def test_get_on_launch_is_a_405_page(client):
    response = client.get("/lti/launch")
    assert response.status_code == 405
    assert error_code(response) == "HTTP_405"


def test_issuer_constant_is_the_registered_one(platform):
    assert platform.issuer == ISSUER
