"""A returning student's login + launch runs a fixed, small number of SQL statements
(docs/database.md): none on login, one per row written on launch, and nothing read first.
A change that brings back a lookup per launch, or a query per row, fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from lti_tool.auth.provisioning import LAST_LAUNCH_GRANULARITY
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import (
    Context,
    Deployment,
    DeploymentStatus,
    Membership,
    Person,
    Platform,
    PlatformStatus,
    utcnow,
)
from tests.builders import Claims, error_code, launch, login, post_launch, sign

# used_nonce (insert); person, course, membership, link, link_launch, placement, activity and
# course services in one read (auth.provisioning._RETURNING); launch_session (insert). Nothing
# is written that the claims do not change. On PostgreSQL the nonce's insert is part of the
# read (a data-modifying WITH), so one statement fewer.
RETURNING_LAUNCH_STATEMENTS = {"sqlite": 3, "postgresql": 2}
SPENT_IN_THE_READ = "WITH spent_nonce AS (INSERT INTO used_nonce"


def _dialect(app: Flask) -> str:
    with app.app_context():
        return db.engine.dialect.name


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
    assert len(on_launch) == RETURNING_LAUNCH_STATEMENTS[_dialect(app)], "\n".join(on_launch)
    assert not any(s.startswith("SELECT platform") for s in on_launch)
    assert not any(s.startswith("SELECT used_nonce") for s in on_launch)
    assert not any(s.startswith("SELECT platform_key_set") for s in on_launch)
    assert not any(s.startswith("UPDATE") for s in on_launch), "nothing changed"


def test_a_returning_launch_writes_what_its_claims_change_and_only_that(
    app, client, platform, platform_key
):
    assert launch(client, platform_key).status_code == 303
    assert launch(client, platform_key).status_code == 303
    started = login(client)
    renamed = Claims(nonce=started.nonce, body={"name": "Sam Renamed"})
    renamed.body[claims.CONTEXT] = {"id": "course-1", "label": "BIO-102", "title": "Biology"}
    with statements(app) as on_launch:
        response = post_launch(client, sign(renamed.body, platform_key), started.state)
    assert response.status_code == 303
    on_launch = [s for s in on_launch if not s.startswith("DELETE")]
    writes = [
        "used_nonce"
        if s.startswith(SPENT_IN_THE_READ)
        else s.removeprefix("INSERT INTO ").removeprefix("UPDATE ").split()[0]
        for s in on_launch
        if s.startswith(("INSERT", "UPDATE", SPENT_IN_THE_READ))
    ]
    # The person's upsert, the course's update, the session: not the membership or link.
    assert writes == ["used_nonce", "person", "context", "launch_session"], on_launch
    with app.app_context():
        assert db.session.scalars(select(Person)).one().name == "Sam Renamed"
        assert db.session.scalars(select(Context)).one().label == "BIO-102"


def test_an_hour_old_last_launch_is_brought_up_to_date(app, client, platform, platform_key):
    assert launch(client, platform_key).status_code == 303
    an_hour_ago = utcnow() - LAST_LAUNCH_GRANULARITY - timedelta(seconds=1)
    with app.app_context():
        db.session.scalars(select(Membership)).one().last_launch_at = an_hour_ago
        db.session.commit()
    started = login(client)
    with statements(app) as on_launch:
        post_launch(client, sign(Claims(nonce=started.nonce).body, platform_key), started.state)
    assert any(s.startswith("INSERT INTO membership") for s in on_launch)
    with app.app_context():
        assert db.session.scalars(select(Membership)).one().last_launch_at > an_hour_ago


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
