"""A returning student's login + launch runs a fixed, small number of SQL statements
(docs/database.md): none on login, one per row written on launch, and nothing read first.
A change that brings back a lookup per launch, or a query per row, fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from lti_tool.auth.provisioning import LAST_LAUNCH_GRANULARITY
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import (
    Context,
    Deployment,
    DeploymentStatus,
    LaunchSession,
    Membership,
    Person,
    Platform,
    PlatformStatus,
    ResourceLink,
    utcnow,
)
from tests.builders import Claims, error_code, launch, login, post_launch, sign

# used_nonce (insert); person, course, membership, link, link_launch, placement, activity and
# course services in one read (auth.provisioning._RETURNING); launch_session (insert). Nothing
# is written that the claims do not change. On PostgreSQL the nonce's insert and the session's
# are part of the read (data-modifying WITHs): one statement.
RETURNING_LAUNCH_STATEMENTS = {"sqlite": 3, "postgresql": 1}
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
        "used_nonce + launch_session"
        if s.startswith(SPENT_IN_THE_READ)
        else s.removeprefix("INSERT INTO ").removeprefix("UPDATE ").split()[0]
        for s in on_launch
        if s.startswith(("INSERT", "UPDATE", SPENT_IN_THE_READ))
    ]
    # The person's upsert, the course's update, the session: not the membership or link.
    expected = {
        "sqlite": ["used_nonce", "person", "context", "launch_session"],
        "postgresql": ["used_nonce + launch_session", "person", "context"],
    }
    assert writes == expected[_dialect(app)], on_launch
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


def _newest_session(app: Flask, response: Any) -> LaunchSession:
    from urllib.parse import parse_qs, urlsplit

    from lti_tool.auth import launch_token

    ticket = parse_qs(urlsplit(response.headers["Location"]).query)[launch_token.QUERY_PARAM][0]
    with app.app_context():
        session_id = launch_token.read_ticket(ticket, app.config["SECRET_KEY"]).session_id
        row = db.session.get(LaunchSession, session_id)
        assert row is not None
        db.session.expunge(row)
        return row


def test_a_returning_launch_opens_a_session_for_what_it_names(app, client, platform, platform_key):
    """The session a returning launch opens (inside its read, on PostgreSQL) holds what
    start_session would: this person, course, membership and link, the message type, the
    launch's language, a fresh salt and CSRF secret, the configured lifetime; and it opens the
    landing page."""
    first = launch(client, platform_key)
    assert first.status_code == 303
    before = _newest_session(app, first)
    started = login(client)
    body = Claims(nonce=started.nonce).body
    body[claims.LAUNCH_PRESENTATION] = {"document_target": "iframe", "locale": "fr-CA"}
    response = post_launch(client, sign(body, platform_key), started.state)
    assert response.status_code == 303
    opened = _newest_session(app, response)
    with app.app_context():
        membership = db.session.scalars(select(Membership)).one()
        link = db.session.scalars(select(ResourceLink)).one()
        assert db.session.scalar(select(func.count(LaunchSession.id))) == 2
    assert opened.id != before.id
    assert (opened.person_id, opened.context_id, opened.membership_id) == (
        membership.person_id,
        membership.context_id,
        membership.id,
    )
    assert opened.resource_link_id == link.id and opened.platform_id == platform.id
    assert opened.message_type == claims.RESOURCE_LINK_REQUEST and opened.locale == "fr"
    assert opened.courseless_role is None and opened.courseless_platform_admin is False
    assert opened.token_salt != before.token_salt and opened.csrf_secret != before.csrf_secret
    ttl = app.extensions["coproduce.settings"].LAUNCH_TOKEN_TTL_SECONDS
    assert abs((opened.expires_at - opened.created_at).total_seconds() - ttl) < 1
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and 'lang="fr"' in page.get_data(as_text=True)


def test_a_launch_of_a_new_link_or_course_opens_its_session_with_them(
    app, client, platform, platform_key
):
    """A returning person launching a link or a course the tool has not seen: the rows come
    first, then the session points at them (never at another link or course)."""
    assert launch(client, platform_key).status_code == 303
    new_link = launch(
        client, platform_key, **{claims.RESOURCE_LINK: {"id": "link-2", "title": "Rubric"}}
    )
    assert new_link.status_code == 303
    new_course = launch(
        client,
        platform_key,
        **{
            claims.CONTEXT: {"id": "course-2", "label": "CHEM-1", "title": "Chemistry"},
            claims.RESOURCE_LINK: {"id": "link-3", "title": "Goals"},
        },
    )
    assert new_course.status_code == 303
    on_link, on_course = _newest_session(app, new_link), _newest_session(app, new_course)
    with app.app_context():
        links = {r.resource_link_id: r for r in db.session.scalars(select(ResourceLink))}
        courses = {c.context_id: c for c in db.session.scalars(select(Context))}
        course_2_membership = db.session.scalars(
            select(Membership).where(Membership.context_id == courses["course-2"].id)
        ).one()
    assert on_link.resource_link_id == links["link-2"].id
    assert on_link.context_id == courses["course-1"].id
    assert on_course.resource_link_id == links["link-3"].id
    assert on_course.context_id == courses["course-2"].id
    assert on_course.membership_id == course_2_membership.id
