"""The tool and its sandbox LMS on a real HTTP server in the test process, for LTI Advantage
tests: the tool's service calls (token, AGS, NRPS) and the sandbox's checks of the tool's JWTs
are real HTTP on 127.0.0.1; launches go through the test client, signed by the sandbox.

Import the fixtures into a test directory's conftest.py:

    from tests.advantage import live  # noqa: F401
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.sandbox import platform as sandbox
from lti_tool.sandbox.messages import ADD_ACTIVITY, find_any_link
from lti_tool.sandbox.roster import find_user
from lti_tool.sandbox.store import ensure_tables
from lti_tool.settings import Settings
from tests.builders import launch_token_of, parse_login_page, session_token_for

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Dispatch:
    """The server is bound (and its port known) before the app that serves it is built."""

    app: Flask | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@dataclass
class Live:
    app: Flask
    url: str
    server: BaseWSGIServer
    http: requests.Session

    @property
    def settings(self) -> Settings:
        return self.app.extensions["coproduce.settings"]  # type: ignore[no-any-return]

    def client(self) -> FlaskClient:
        return self.app.test_client()

    # -- the sandbox's control endpoints, over HTTP like a benchmark uses them --

    def faults(self, reset: bool = True, **settings: Any) -> dict[str, Any]:
        response = self.http.put(
            f"{self.url}/sandbox/api/faults", params={"reset": "1" if reset else "0"}, json=settings
        )
        response.raise_for_status()
        return dict(response.json())

    def stats(self) -> dict[str, int]:
        return dict(self.http.get(f"{self.url}/sandbox/api/stats").json())

    def roster_change(self, **statuses: str) -> None:
        self.http.put(f"{self.url}/sandbox/api/roster", json=statuses).raise_for_status()

    def expire_tokens(self) -> None:
        self.http.post(f"{self.url}/sandbox/api/tokens/expire").raise_for_status()

    # -- launches through the test client, signed by the sandbox --

    def launch(
        self,
        client: FlaskClient,
        user_id: str,
        *,
        link_id: str = "sandbox-link-1",
        message_type: str = claims.RESOURCE_LINK_REQUEST,
        for_user: str | None = None,
    ) -> Any:
        """Login + launch as the sandbox's `user_id`; the launch response (303 on success)."""
        with self.app.app_context():
            user = find_user(user_id)
            assert user is not None, user_id
            link = (
                ADD_ACTIVITY
                if message_type == claims.DEEP_LINKING_REQUEST
                else find_any_link(link_id)
            )
            assert link is not None, link_id
            url = sandbox.login_initiation_url(
                self.settings,
                user,
                link,
                storage=False,
                message_type=message_type,
                hint_extra={"for_user": for_user} if for_user else None,
            )
        login = client.get(local(url))
        assert login.status_code == 200, login.get_data(as_text=True)[:300]
        started = parse_login_page(login)
        form_post = client.get(local(started.data["auth_url"]))
        assert form_post.status_code == 200, form_post.get_data(as_text=True)[:300]
        fields = dict(HIDDEN.findall(form_post.get_data(as_text=True)))
        response = client.post(
            "/lti/launch", data={"id_token": unescape(fields["id_token"]), "state": fields["state"]}
        )
        response.test_app = client.application  # for launch_token_of
        return response

    def page(self, client: FlaskClient, launch_response: Any) -> Any:
        """Follow a launch's 303 to the page it lands on (and on, when the activity sends it to
        its kind's own page: `ActivityKind.home_endpoint` in activities.kinds)."""
        assert launch_response.status_code == 303, launch_response.get_data(as_text=True)[:500]
        response = client.get(local(launch_response.headers["Location"]))
        for _ in range(3):
            if response.status_code != 303:
                break
            response = client.get(local(response.headers["Location"]))
        return response

    def deliver(self) -> Any:
        """Run the outbox until nothing is due now (as the worker does)."""
        from lti_tool.grading.delivery import deliver_until_idle

        with self.app.app_context():
            try:
                return deliver_until_idle(self.settings)
            finally:
                db.session.remove()


def local(url: str) -> str:
    """A URL's path and query string, for the test client."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def token_in(app: Flask, location: str) -> str:
    """The session token behind a landing URL (see tests.builders.session_token_for)."""
    return session_token_for(app, location)


def start_live(make_app: Callable[..., Flask], **overrides: Any) -> Live:
    dispatch = _Dispatch()
    server = make_server("127.0.0.1", 0, dispatch, threaded=True, request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    settings: dict[str, Any] = {
        "SANDBOX": True,
        "SANDBOX_BASE_URL": url,
        "LTI_TOOL_BASE_URL": url,
        # Tests deliver explicitly (Live.deliver), with short waits between attempts.
        "OUTBOX_INPROCESS_WORKER": False,
        "OUTBOX_BACKOFF_BASE_MS": 20,
        "OUTBOX_BACKOFF_CAP_SECONDS": 1,
        "HTTP_TIMEOUT_SECONDS": 5,
        **overrides,
    }
    app = make_app(**settings)
    dispatch.app = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with app.app_context():
        sandbox.ensure_registered(app.extensions["coproduce.settings"])
        ensure_tables(db.engine)
        db.session.remove()
    http = requests.Session()
    http.trust_env = False  # never through a proxy from the environment
    return Live(app=app, url=url, server=server, http=http)


@pytest.fixture
def live_factory(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Live]]:
    started: list[Live] = []

    def start(**overrides: Any) -> Live:
        live = start_live(make_app, **overrides)
        started.append(live)
        return live

    yield start
    for live in started:
        worker = live.app.extensions.get("coproduce.outbox_worker")
        if worker is not None:
            worker.stop()
        live.server.shutdown()
        live.server.server_close()
        live.http.close()


@pytest.fixture
def live(live_factory: Callable[..., Live]) -> Live:
    return live_factory()


__all__ = ["Live", "launch_token_of", "live", "live_factory", "start_live", "token_in"]


def form_tokens(html: str) -> dict[str, str]:
    """The launch token and CSRF token a page's forms carry."""
    fields = dict(HIDDEN.findall(html))
    return {k: unescape(fields[k]) for k in ("launch_token", "csrf_token") if k in fields}


def dl_response(html: str) -> tuple[str, str]:
    """(return URL, JWT) of the page that returns a deep linking response to the LMS."""
    action = re.search(r'<form id="deep-link-return" method="post" action="([^"]+)"', html)
    token = re.search(r'name="JWT" value="([^"]+)"', html)
    assert action and token, html[:2000]
    return unescape(action.group(1)), unescape(token.group(1))


def place_by_deep_linking(live: Live, client: FlaskClient, **config: str) -> str:
    """The instructor adds an activity from the sandbox course page: deep linking launch, the
    picker, the signed response posted back to the sandbox. The new link's id in the sandbox."""
    launched = live.launch(client, "instructor-1", message_type=claims.DEEP_LINKING_REQUEST)
    picker = live.page(client, launched)
    assert picker.status_code == 200, picker.get_data(as_text=True)[:500]
    form = {
        **form_tokens(picker.get_data(as_text=True)),
        "kind": "goal_setting",
        "title": "Learning goals",
        "instructions": "Set two SMART goals.",
        "points": "10",
        **config,
    }
    answer = client.post(urlsplit(launched.headers["Location"]).path, data=form)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return_url, token = dl_response(answer.get_data(as_text=True))
    stored = live.http.post(return_url, data={"JWT": token})
    assert stored.status_code == 200, stored.text[:500]
    found = re.search(r'data-link="(dl-[0-9a-f]+)"', stored.text)
    assert found, stored.text[:500]
    return found.group(1)


def deliver_all(live: Live, timeout: float = 30.0) -> None:
    """Deliver until no score is waiting (retries included), or fail after `timeout`."""
    import time

    from sqlalchemy import func, select

    from lti_tool.models import DeliveryStatus, OutboxScore

    deadline = time.monotonic() + timeout
    while True:
        live.deliver()
        with live.app.app_context():
            waiting = db.session.scalar(
                select(func.count(OutboxScore.id)).where(
                    OutboxScore.status == DeliveryStatus.PENDING
                )
            )
            db.session.remove()
        if not waiting:
            return
        assert time.monotonic() < deadline, f"{waiting} scores still waiting after {timeout}s"
        time.sleep(0.05)


def csrf_for(app: Flask, launch_token: str) -> str:
    """A valid CSRF token of a launch, for posting as someone whose pages show no form."""
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context("/", headers={"X-Launch-Token": launch_token}):
        return str(generate_csrf())
