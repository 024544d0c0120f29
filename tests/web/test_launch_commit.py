"""What a launch leaves committed when it fails or retries after its first read. On PostgreSQL a
returning student's read spends the nonce and opens the session, and commits on its own
(auth.provisioning._read_returning): a retry uses that session, and a launch that failed after
it cannot be replayed. On SQLite the launch is one transaction: a failure leaves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lti_tool.auth import launch_token
from lti_tool.extensions import db
from lti_tool.lti.errors import LtiError
from lti_tool.models import LaunchSession, UsedNonce
from tests.builders import Claims, error_code, launch, login, post_launch, sign


def _count(app: Any, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _postgresql(app: Any) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_retry_after_a_concurrent_write_opens_one_session(
    app, client, platform, platform_key, monkeypatch: pytest.MonkeyPatch
):
    """A write after the read meets another request's row (IntegrityError) once: the launch
    retries and gets in, with one nonce spent and one session opened."""
    from lti_tool.web import launch as launch_view

    assert launch(client, platform_key).status_code == 303
    sessions, nonces = _count(app, LaunchSession), _count(app, UsedNonce)
    real = launch_view.record_launch_groups
    calls: list[int] = []

    def conflicting_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO lms_group ...", {}, Exception("duplicate key"))
        return real(*args, **kwargs)

    monkeypatch.setattr(launch_view, "record_launch_groups", conflicting_once)
    response = launch(client, platform_key)
    assert response.status_code == 303 and len(calls) == 2
    assert _count(app, LaunchSession) == sessions + 1
    assert _count(app, UsedNonce) == nonces + 1
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_launch_that_fails_after_its_read_leaves_no_way_in(
    app, client, platform, platform_key, monkeypatch: pytest.MonkeyPatch
):
    """A returning launch refused after its read: its error page, no token for anyone. On
    PostgreSQL its nonce is spent for good (the replay is refused) and the session it opened is
    never handed out; on SQLite nothing of it stays."""
    from lti_tool.web import launch as launch_view

    assert launch(client, platform_key).status_code == 303
    sessions, nonces = _count(app, LaunchSession), _count(app, UsedNonce)

    def refuse(*_: Any) -> Any:
        raise LtiError("LINK_REFUSED", "This link is refused here.", 403, "test")

    monkeypatch.setattr(launch_view, "land", refuse)
    started = login(client)
    token = sign(Claims(nonce=started.nonce).body, platform_key)
    refused = post_launch(client, token, started.state)
    assert refused.status_code == 403 and error_code(refused) == "LINK_REFUSED"
    set_cookies = refused.headers.getlist("Set-Cookie")
    assert not [c for c in set_cookies if c.startswith(launch_token.COOKIE + "_")], set_cookies
    monkeypatch.undo()
    if not _postgresql(app):
        assert (_count(app, UsedNonce), _count(app, LaunchSession)) == (nonces, sessions)
        return
    assert _count(app, UsedNonce) == nonces + 1
    assert _count(app, LaunchSession) == sessions + 1  # opened, its token never handed out
    replay = post_launch(client, token, started.state)
    assert replay.status_code == 401 and error_code(replay) == "NONCE_REPLAYED"
    assert _count(app, LaunchSession) == sessions + 1
