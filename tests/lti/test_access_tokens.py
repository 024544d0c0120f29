"""Access tokens: one token request serves many calls, across requests and processes (the token
lives in the database), concurrent callers wait for one request, a token is renewed shortly
before it expires, and a refused token is replaced once. Against the sandbox's token endpoint,
which checks the client assertion against the tool's JWKS over HTTP."""

from __future__ import annotations

import threading
import time

import jwt
import pytest
from sqlalchemy import func, select

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.lti import ags
from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.http import new_session
from lti_tool.lti.services import PlatformClient, PlatformRef
from lti_tool.models import AccessToken, Platform
from lti_tool.sandbox.roster import CLIENT_ID
from tests.platform_double import PlatformKey


def _platform() -> PlatformRef:
    return PlatformRef.of(
        db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
    )


def _token(live, scopes=(ags.SCOPE_SCORE,), replacing=None) -> str:
    return access_token(
        _platform(),
        scopes,
        keys_dir=live.settings.LTI_KEYS_DIR,
        session=new_session(),
        timeout=5,
        replacing=replacing,
    )


def test_one_token_request_for_many_calls(live):
    with live.app.app_context():
        client = PlatformClient(
            _platform(), ags.ALL_SCOPES, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5
        )
        for _ in range(25):
            ags.find_line_items(client, live.url + "/sandbox/api/lineitems")
        # A new client (another request, another worker round) finds the stored token.
        for _ in range(5):
            other = PlatformClient(
                _platform(), ags.ALL_SCOPES, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5
            )
            ags.find_line_items(other, live.url + "/sandbox/api/lineitems")
    assert live.stats()["token_requests"] == 1


def test_the_token_is_shared_with_another_process_through_the_database(live):
    with live.app.app_context():
        first = _token(live)
    # Another process: its own app object and engine, the same database.
    other = create_app(
        {
            "APP_ENV": "test",
            "DATABASE_URL": live.settings.DATABASE_URL,
            "SECRET_KEY": live.settings.SECRET_KEY,
            "LTI_KEYS_DIR": str(live.settings.LTI_KEYS_DIR),
            "INSTANCE_PATH": str(live.settings.INSTANCE_PATH),
            "LTI_TOOL_BASE_URL": live.url,
        }
    )
    with other.app_context():
        assert _token(live) == first
        db.engine.dispose()
    assert live.stats()["token_requests"] == 1


def test_tokens_are_keyed_by_scopes(live):
    with live.app.app_context():
        score = _token(live, [ags.SCOPE_SCORE])
        both = _token(live, [ags.SCOPE_SCORE, ags.SCOPE_LINEITEM])
        assert _token(live, [ags.SCOPE_LINEITEM, ags.SCOPE_SCORE, ags.SCOPE_SCORE]) == both
        assert score != both
        assert db.session.scalar(select(func.count(AccessToken.id))) == 2
    assert live.stats()["token_requests"] == 2


def test_concurrent_callers_wait_for_one_request(live):
    tokens: list[str] = []

    def call() -> None:
        with live.app.app_context():
            tokens.append(_token(live))
            db.session.remove()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tokens)) == 1 and len(tokens) == 8
    assert live.stats()["token_requests"] == 1


def test_a_token_is_renewed_shortly_before_it_expires(live):
    live.faults(token_ttl_seconds=2)
    with live.app.app_context():
        first = _token(live)
        assert _token(live) == first
        time.sleep(1.85)  # inside the renewal margin (a tenth of the lifetime), before expiry
        assert _token(live) != first
    assert live.stats()["token_requests"] == 2


def test_a_refused_token_is_replaced_once_and_only_once(live):
    with live.app.app_context():
        first = _token(live)
        second = _token(live, replacing=first)
        assert second != first
        # Another caller that saw the old token refused gets the new one, no third request.
        assert _token(live, replacing=first) == second
    assert live.stats()["token_requests"] == 2


def test_revoked_tokens_are_refreshed_by_the_client(live):
    with live.app.app_context():
        client = PlatformClient(
            _platform(), ags.ALL_SCOPES, keys_dir=live.settings.LTI_KEYS_DIR, timeout=5
        )
        ags.find_line_items(client, live.url + "/sandbox/api/lineitems")
        live.expire_tokens()
        ags.find_line_items(client, live.url + "/sandbox/api/lineitems")
    assert live.stats()["token_requests"] == 2


@pytest.mark.parametrize("problem", ["foreign key", "wrong audience", "replayed jti"])
def test_the_sandbox_refuses_bad_client_assertions(live, problem):
    foreign = PlatformKey.generate()
    with live.app.app_context():
        from lti_tool.lti.keys import signing_key

        key = signing_key(live.settings.LTI_KEYS_DIR)
    now = int(time.time())
    body = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": live.url + "/sandbox/token",
        "iat": now,
        "exp": now + 60,
        "jti": "jti-1",
    }
    if problem == "wrong audience":
        body["aud"] = "https://elsewhere/token"
    private = foreign.private if problem == "foreign key" else key.private_pem
    kid = foreign.kid if problem == "foreign key" else key.kid
    assertion = jwt.encode(body, private, algorithm="RS256", headers={"kid": kid})
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": ags.SCOPE_SCORE,
    }
    if problem == "replayed jti":
        assert live.http.post(live.url + "/sandbox/token", data=form).status_code == 200
    response = live.http.post(live.url + "/sandbox/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
