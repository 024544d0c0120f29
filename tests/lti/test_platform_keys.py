"""Issue 11, item 12: JWKS fetches are single-flight with a negative cache. While a platform's key
set is down, launches do not each refetch it; 20 unknown kids at once make at most one fetch."""

from __future__ import annotations

import threading
import time

from lti_tool.extensions import db
from lti_tool.lti import platform_keys
from lti_tool.lti.errors import LtiError
from lti_tool.lti.platform_keys import find_platform_key
from tests.builders import error_code, launch


def test_while_the_key_set_is_down_launches_do_not_each_refetch(
    app, client, platform, platform_key, jwks
):
    """The attack (or just an outage): launch after launch while the platform's JWKS answers
    503. One fetch; every launch a clear 424; none waits for its own fetch."""
    jwks.status = 503
    for _ in range(5):
        response = launch(app.test_client(), platform_key)
        assert response.status_code == 424 and error_code(response) == "JWKS_UNAVAILABLE"
    assert jwks.hits == 1
    # The platform is back; once the failure is forgotten, the next launch fetches and works.
    jwks.status = 200
    with app.app_context():
        state = platform_keys.fetches()
        state.failures = {u: (time.monotonic() - 1, e) for u, (_, e) in state.failures.items()}
    assert launch(app.test_client(), platform_key).status_code == 303
    assert jwks.hits == 2


def _parallel(app, jwks, kids: list[str]) -> list[str]:
    barrier = threading.Barrier(len(kids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(kid: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                find_platform_key(jwks.url, kid, ttl=3600, timeout=5)
                outcome = "found"
            except LtiError as exc:
                outcome = exc.code
            finally:
                db.session.remove()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(k,)) for k in kids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_twenty_unknown_kids_at_once_make_one_fetch(app, platform, platform_key, jwks):
    jwks.delay = 0.3  # the fetch is still in flight when the others arrive
    outcomes = _parallel(app, jwks, [f"forged-{i}" for i in range(20)])
    assert outcomes == ["KID_UNKNOWN"] * 20
    assert jwks.hits == 1


def test_twenty_launches_of_a_new_key_at_once_share_one_fetch(app, platform, platform_key, jwks):
    jwks.delay = 0.3
    outcomes = _parallel(app, jwks, [platform_key.kid] * 20)
    assert outcomes == ["found"] * 20
    assert jwks.hits == 1


def test_twenty_launches_during_an_outage_make_one_fetch(app, platform, platform_key, jwks):
    jwks.status, jwks.delay = 503, 0.3
    outcomes = _parallel(app, jwks, [platform_key.kid] * 20)
    assert outcomes == ["JWKS_UNAVAILABLE"] * 20
    assert jwks.hits == 1


def test_each_app_has_its_own_fetch_state(make_app):
    one, two = make_app(), make_app()
    with one.app_context():
        a = platform_keys.fetches()
    with two.app_context():
        b = platform_keys.fetches()
    assert a is not b


def test_production_does_not_fetch_a_key_set_on_an_internal_address(make_app, jwks):
    """The attack: a registration's key set host is re-pointed at the tool's own network after
    it was registered. In production the fetch is refused before any request is made."""
    app = make_app(APP_ENV="production", LTI_TOOL_BASE_URL="https://tool.example.edu")
    with app.app_context():
        try:
            find_platform_key(jwks.url, "any", ttl=60, timeout=5)
        except LtiError as exc:
            assert exc.code == "JWKS_INTERNAL_ADDRESS"
        else:
            raise AssertionError("fetched an internal address")
    assert jwks.hits == 0
    allowed = make_app(
        APP_ENV="production",
        LTI_TOOL_BASE_URL="https://tool.example.edu",
        PLATFORM_URL_ALLOW_INTERNAL="127.0.0.1",
    )
    with allowed.app_context():
        find_platform_key(jwks.url, jwks.published[0].kid, ttl=60, timeout=5)
    assert jwks.hits == 1
