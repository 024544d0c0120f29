"""A returning student's login + launch runs a fixed, small number of SQL statements
(docs/database.md): none on login, one per row written on launch, and nothing read first.
A change that brings back a lookup per launch, or a query per row, fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from lti_tool.extensions import db
from lti_tool.models import Deployment, DeploymentStatus, Platform, PlatformStatus
from tests.builders import Claims, error_code, launch, login, post_launch, sign

# used_nonce (insert), person (upsert), context (read), membership (upsert), resource_link
# (read), link_launch (insert), placement (read), launch_session (insert).
RETURNING_LAUNCH_STATEMENTS = 8


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split())[:90])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_returning_students_login_and_launch_run_a_pinned_number_of_statements(
    app, client, platform, platform_key
):
    assert launch(client, platform_key).status_code == 303  # first launch: rows, key cache
    assert launch(client, platform_key).status_code == 303  # caches of this process filled

    with statements(app) as on_login:
        started = login(client)
    assert on_login == [], "login reads the registration from the cache"

    token = sign(Claims(nonce=started.nonce).body, platform_key)
    with statements(app) as on_launch:
        response = post_launch(client, token, started.state)
    assert response.status_code == 303
    on_launch = [s for s in on_launch if not s.startswith("DELETE")]  # 2 % housekeeping
    assert len(on_launch) == RETURNING_LAUNCH_STATEMENTS, "\n".join(on_launch)
    assert not any(s.startswith("SELECT platform") for s in on_launch)
    assert not any(s.startswith("SELECT used_nonce") for s in on_launch)
    assert not any(s.startswith("SELECT platform_key_set") for s in on_launch)


def test_a_platform_disabled_in_another_process_is_refused_once_the_copy_expires(
    make_app, jwks, platform_key
):
    from tests.builders import make_platform

    app = make_app(REGISTRATION_CACHE_SECONDS=0)  # no copies: every login reads the row
    client = app.test_client()
    with app.app_context():
        make_platform(jwks.url)
        db.session.commit()
    assert launch(client, platform_key).status_code == 303
    with app.app_context():
        # As another worker would: a write this process's session never flushed.
        db.session.execute(
            Platform.__table__.update().values(status=PlatformStatus.DISABLED)  # type: ignore[attr-defined]
        )
        db.session.commit()
    response = client.get("/lti/login", query_string=_login_query())
    assert response.status_code == 403 and error_code(response) == "PLATFORM_DISABLED"


def test_a_deployment_deactivated_here_is_refused_at_once(app, client, platform, platform_key):
    assert launch(client, platform_key).status_code == 303  # the deployment is cached now
    with app.app_context():
        db.session.scalars(select(Deployment)).one().status = DeploymentStatus.INACTIVE
        db.session.commit()
    started = login(client)
    response = post_launch(
        client, sign(Claims(nonce=started.nonce).body, platform_key), started.state
    )
    assert response.status_code == 403 and error_code(response) == "DEPLOYMENT_INACTIVE"


def _login_query() -> dict[str, str]:
    from tests.builders import CLIENT_ID, DEPLOYMENT_ID, ISSUER, TOOL

    return {
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "login_hint": "hint",
        "target_link_uri": TOOL + "/lti/launch",
        "lti_deployment_id": DEPLOYMENT_ID,
    }
