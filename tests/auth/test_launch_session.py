"""The launch session: its token travels in a header or a POST form, never a URL; links carry
single-use tickets; it expires; it is never trusted beyond what it names; and the CSRF
protection that rides on it inside the iframe (no cookies). Written as the attacks of issue 11."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint
from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lti_tool.auth import launch_required, launch_token
from lti_tool.extensions import db
from lti_tool.models import LaunchSession, Role, UsedLinkTicket, utcnow
from tests.builders import as_launch, error_code, launch, launch_token_of


@pytest.fixture
def probe_app(app):
    """The test app plus two routes that use the launch session as activity views will."""
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/any", methods=["GET", "POST"])
    @launch_required()
    def any_role():
        return "ok"

    @bp.route("/probe/facilitators", methods=["POST"])
    @launch_required(Role.FACILITATOR)
    def facilitators_only():
        return "changed"

    app.register_blueprint(bp)
    return app


def csrf_of(app, token):
    with app.test_request_context("/", headers=as_launch(token)):
        return generate_csrf()


def ticket_of(location):
    return parse_qs(urlsplit(location).query)["lt"][0]


def test_token_in_header_or_form_but_never_in_the_query(probe_app, platform, platform_key):
    client = probe_app.test_client()
    token = launch_token_of(launch(client, platform_key))
    fresh = probe_app.test_client()  # no cookies at all, like a browser blocking them
    assert fresh.get("/probe/any", headers=as_launch(token)).status_code == 200
    posted = fresh.post(
        "/probe/any", data={"launch_token": token, "csrf_token": csrf_of(probe_app, token)}
    )
    assert posted.status_code == 200
    # The attack of issue 11: a session token pasted into a URL (as logs used to show) opens
    # nothing, and the query string is not where the tool looks for one.
    in_url = fresh.get("/probe/any", query_string={"lt": token})
    assert in_url.status_code == 401 and error_code(in_url) == "SESSION_INVALID"


def test_landing_url_holds_a_single_use_ticket_not_the_session(app, platform, platform_key):
    victim = app.test_client()
    launched = launch(victim, platform_key, "facilitator", name="Vera Victim")
    token = launch_token_of(launched)
    location = launched.headers["Location"]
    assert token not in location
    # The victim's iframe follows the redirect (a browser without any cookie).
    page = app.test_client().get(location)
    assert page.status_code == 200 and "Vera Victim" in page.get_data(as_text=True)
    # The attacker replays the URL read from an access log: refused, nothing of the victim shown.
    replay = app.test_client().get(location)
    assert replay.status_code == 401 and error_code(replay) == "SESSION_INVALID"
    assert "Vera Victim" not in replay.get_data(as_text=True)


def test_the_page_carries_the_token_only_in_its_body(app, platform, platform_key):
    launched = launch(app.test_client(), platform_key, "admin")  # its start page has links
    token = launch_token_of(launched)
    html = app.test_client().get(launched.headers["Location"]).get_data(as_text=True)
    assert f'<meta name="launch-token" content="{token}"' in html
    links = [unescape(h) for h in re.findall(r'href="([^"]*\blt=[^"]*)"', html)]
    assert links, "the start page links on inside the launch"
    tickets = [ticket_of(h) for h in links]
    assert token not in " ".join(links)
    assert len(set(tickets)) == len(tickets)  # one ticket per link


def test_a_spent_ticket_reopens_only_with_its_own_partitioned_cookie(app, platform, platform_key):
    browser = app.test_client()
    launched = launch(browser, platform_key, "facilitator", sub="t1")
    token = launch_token_of(launched)
    name = launch_token.cookie_name(launch_token.session_id_of(token))
    cookie = launched.headers.get("Set-Cookie", "")
    assert cookie.startswith(name + "=")
    assert all(attr in cookie for attr in ("Secure", "HttpOnly", "SameSite=None", "Partitioned"))
    location = launched.headers["Location"]
    assert browser.get(location).status_code == 200
    # A reload in a browser that kept the partitioned cookie: the same session opens again,
    # even after someone else launched in the same browser (each session has its own cookie).
    browser.set_cookie(name, token, domain="localhost")
    launch(browser, platform_key, "student", sub="s0")
    assert browser.get(location).status_code == 200
    # An attacker with the spent URL and a cookie of that name but their own token: refused.
    other = app.test_client()
    other_token = launch_token_of(launch(other, platform_key, "student", sub="s1"))
    other.set_cookie(name, other_token, domain="localhost")
    assert other.get(location).status_code == 401
    # And a cookie alone (no ticket) is no session: a cross-site page cannot use it.
    alone = other.get("/start")
    assert alone.status_code == 401 and error_code(alone) == "SESSION_MISSING"


def test_a_launch_keeps_only_the_newest_session_cookies(app, platform, platform_key):
    browser = app.test_client()
    for n in range(1, 7):
        browser.set_cookie(launch_token.cookie_name(n), "x", domain="localhost")
    launched = launch(browser, platform_key, sub="t9")
    # A deleted cookie carries the attribute Max-Age=0. Matched as an attribute, not as text:
    # a new session's token is random, and "1970" (or anything) can turn up inside it.
    dropped = [
        c.split("=")[0]
        for c in launched.headers.getlist("Set-Cookie")
        if c.startswith(launch_token.COOKIE)
        and "Max-Age=0" in [part.strip() for part in c.split(";")]
    ]
    assert sorted(dropped) == sorted(launch_token.cookie_name(n) for n in (1, 2, 3))


def test_ticket_redeemed_once_even_by_parallel_requests(app, platform, platform_key):
    location = launch(app.test_client(), platform_key).headers["Location"]
    results = [app.test_client().get(location).status_code for _ in range(3)]
    assert results == [200, 401, 401]
    with app.app_context():
        assert db.session.query(UsedLinkTicket).count() == 1


def test_ticket_raced_by_parallel_requests_opens_once(app, platform, platform_key):
    """Eight tabs (or an attacker racing the victim) present one ticket at the same moment:
    one page, seven clean 401s, no 500 (real threads; on PostgreSQL under TEST_DATABASE_URL)."""
    import threading

    location = launch(app.test_client(), platform_key).headers["Location"]
    barrier, statuses = threading.Barrier(8), []

    def follow():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get(location).status_code)

    threads = [threading.Thread(target=follow) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [401] * 7, statuses


def test_start_page_without_token_is_401(client):
    response = client.get("/start")
    assert response.status_code == 401 and error_code(response) == "SESSION_MISSING"


def test_tampered_token_is_401(client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))
    for forged in (token[:-2] + "xx", "1." + "0" * 64, "99." + token.split(".")[1], "x", "1."):
        response = client.get("/start", headers=as_launch(forged))
        assert response.status_code == 401 and error_code(response) == "SESSION_INVALID"


def test_tampered_ticket_is_401(app, client, platform, platform_key):
    location = launch(client, platform_key).headers["Location"]
    response = app.test_client().get(location[:-3] + "abc")
    assert response.status_code == 401 and error_code(response) == "SESSION_INVALID"


def test_expired_session_is_401(app, client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))
    with app.app_context():
        row = db.session.get(LaunchSession, launch_token.session_id_of(token))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get("/start", headers=as_launch(token))
    assert response.status_code == 401 and error_code(response) == "SESSION_EXPIRED"


def test_old_ticket_is_401(app, client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key))

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - app.config["LINK_TICKET_TTL_SECONDS"] - 5

    old = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=launch_token.TICKET_SALT, signer=PastSigner
    ).dumps({"s": launch_token.session_id_of(token), "j": "never-used"})
    response = app.test_client().get("/start", query_string={"lt": old})
    assert response.status_code == 401 and error_code(response) == "SESSION_INVALID"


def test_role_check(probe_app, platform, platform_key):
    client = probe_app.test_client()
    student = launch_token_of(launch(client, platform_key, "student", sub="s1"))
    teacher = launch_token_of(launch(client, platform_key, "facilitator", sub="t1"))

    def post(token):
        return probe_app.test_client().post(
            "/probe/facilitators",
            data={"launch_token": token, "csrf_token": csrf_of(probe_app, token)},
        )

    assert post(teacher).status_code == 200
    refused = post(student)
    assert refused.status_code == 403 and error_code(refused) == "ROLE_FORBIDDEN"


def test_post_without_csrf_token_is_refused(probe_app, platform, platform_key):
    client = probe_app.test_client()
    teacher = launch_token_of(launch(client, platform_key, "facilitator"))
    response = probe_app.test_client().post("/probe/facilitators", data={"launch_token": teacher})
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"


def test_csrf_token_of_another_launch_is_refused(probe_app, platform, platform_key):
    client = probe_app.test_client()
    first = launch_token_of(launch(client, platform_key, "facilitator", sub="t1"))
    second = launch_token_of(launch(client, platform_key, "facilitator", sub="t2"))
    response = probe_app.test_client().post(
        "/probe/facilitators",
        data={"launch_token": second, "csrf_token": csrf_of(probe_app, first)},
    )
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"


def test_launch_session_sets_no_cookie(probe_app, platform, platform_key):
    client = probe_app.test_client()
    token = launch_token_of(launch(client, platform_key))
    response = probe_app.test_client().get("/start", headers=as_launch(token))
    assert response.status_code == 200
    assert not response.headers.getlist("Set-Cookie")


def test_user_text_is_escaped_on_the_start_page(client, platform, platform_key):
    evil = "<script>alert('x')</script>"
    response = launch(
        client,
        platform_key,
        name=evil,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "c-x", "title": evil},
        },
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert evil not in html
    assert "&lt;script&gt;" in html
