"""`flask platform add|list`, and that a CLI-made registration launches."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Platform
from tests.builders import CLIENT_ID, DEPLOYMENT_ID, ISSUER, launch


def _add(app, jwks_url, *extra):
    return app.test_cli_runner().invoke(
        args=[
            "platform",
            "add",
            "--issuer",
            ISSUER,
            "--client-id",
            CLIENT_ID,
            "--auth-login-url",
            ISSUER + "/auth",
            "--auth-token-url",
            ISSUER + "/token",
            "--key-set-url",
            jwks_url,
            "--deployment-id",
            DEPLOYMENT_ID,
            "--name",
            "Uni LMS",
            *extra,
        ]
    )


def test_platform_added_by_cli_launches(app, client, jwks, platform_key):
    result = _add(app, jwks.url)
    assert result.exit_code == 0, result.output
    assert launch(client, platform_key).status_code == 303


def test_duplicate_registration_is_refused(app, jwks):
    assert _add(app, jwks.url).exit_code == 0
    again = _add(app, jwks.url)
    assert again.exit_code != 0 and "exists" in again.output


def test_bad_url_is_refused_and_nothing_stored(app, jwks):
    result = _add(app, "not-a-url")
    assert result.exit_code != 0 and "key_set_url" in result.output
    with app.app_context():
        assert db.session.scalars(select(Platform)).first() is None


def test_many_client_ids_per_issuer_and_listing(app, jwks):
    assert _add(app, jwks.url).exit_code == 0
    second = app.test_cli_runner().invoke(
        args=[
            "platform",
            "add",
            "--issuer",
            ISSUER,
            "--client-id",
            "client-456",
            "--auth-login-url",
            ISSUER + "/auth",
            "--auth-token-url",
            ISSUER + "/token",
            "--key-set-url",
            jwks.url,
            "--deployment-id",
            "d-1",
            "--deployment-id",
            "d-2",
            "--unknown-deployments",
            "accept",
        ]
    )
    assert second.exit_code == 0, second.output
    listed = app.test_cli_runner().invoke(args=["platform", "list"]).output
    assert "client-123" in listed and "client-456" in listed
    assert "d-1 (active), d-2 (active)" in listed and "unknown deployments: accept" in listed


def test_canvas_issuer_is_recognised(app, jwks):
    result = app.test_cli_runner().invoke(
        args=[
            "platform",
            "add",
            "--issuer",
            "https://canvas.instructure.com",
            "--client-id",
            "10000000000001",
            "--auth-login-url",
            "https://sso.canvaslms.com/api/lti/authorize_redirect",
            "--auth-token-url",
            "https://sso.canvaslms.com/login/oauth2/token",
            "--key-set-url",
            "https://sso.canvaslms.com/api/lti/security/jwks",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Platform)).one().product_family == "canvas"


def test_product_family_option_and_ambiguous_names(app, jwks):
    common = [
        "--auth-login-url",
        ISSUER + "/auth",
        "--auth-token-url",
        ISSUER + "/token",
        "--key-set-url",
        jwks.url,
    ]
    runner = app.test_cli_runner()
    for client_id in ("c-1", "c-2"):
        result = runner.invoke(
            args=[
                "platform",
                "add",
                "--issuer",
                ISSUER,
                "--client-id",
                client_id,
                *common,
                "--name",
                "Moodle",
                "--product-family",
                "moodle",
            ]
        )
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert {p.product_family for p in db.session.scalars(select(Platform))} == {"moodle"}
    ambiguous = runner.invoke(args=["platform", "disable", "Moodle"])
    assert ambiguous.exit_code != 0 and "give the id" in ambiguous.output
    by_id = runner.invoke(args=["platform", "disable", "1"])
    assert by_id.exit_code == 0 and "disabled platform 1" in by_id.output


def test_deployment_commands_and_remove(app, client, jwks, platform_key):
    runner = app.test_cli_runner()
    assert _add(app, jwks.url).exit_code == 0
    assert "deployment-1  active" in runner.invoke(args=["deployment", "list", "1"]).output
    assert runner.invoke(args=["deployment", "deactivate", "1", DEPLOYMENT_ID]).exit_code == 0
    started_refused = client.get(
        "/lti/login",
        query_string={
            "iss": ISSUER,
            "login_hint": "x",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": CLIENT_ID,
        },
    )
    assert started_refused.status_code == 200  # login does not check deployments; the launch does
    assert runner.invoke(args=["deployment", "activate", "1", DEPLOYMENT_ID]).exit_code == 0
    assert launch(client, platform_key).status_code == 303
    missing = runner.invoke(args=["deployment", "activate", "1", "nope"])
    assert missing.exit_code != 0 and "no deployment" in missing.output
    assert runner.invoke(args=["platform", "remove", "1", "--yes"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(Platform)).first() is None


def test_admin_create(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["admin", "create", "alice", "--password", "a-long-enough-password"])
    assert ok.exit_code == 0
    short = runner.invoke(args=["admin", "create", "bob", "--password", "short"])
    assert short.exit_code != 0 and "at least 12" in short.output
    again = runner.invoke(args=["admin", "create", "alice", "--password", "a-long-enough-password"])
    assert again.exit_code != 0 and "exists" in again.output


def test_storage_origins_are_set_checked_and_audited(app, jwks):
    """Canvas's platform storage answers from the school's own domain: the admin lists it."""
    from lti_tool.admin.audit import Actor
    from lti_tool.admin.platforms import NotPermitted, set_storage_origins
    from lti_tool.models import ActorKind, Event

    assert _add(app, jwks.url).exit_code == 0
    runner = app.test_cli_runner()
    with app.app_context():
        platform_id = db.session.scalars(select(Platform.id)).one()
    done = runner.invoke(
        args=["platform", "storage-origins", str(platform_id), "https://School.instructure.com/"]
    )
    assert done.exit_code == 0 and "https://school.instructure.com" in done.output, done.output
    for bad in ("*", "https://school.instructure.com/path", "javascript:alert(1)"):
        refused = runner.invoke(args=["platform", "storage-origins", str(platform_id), bad])
        assert refused.exit_code != 0 and "not an origin" in refused.output
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform.storage_origins == ["https://school.instructure.com"]
        lms_admin = Actor(kind=ActorKind.PERSON, label="lms admin", platform_id=platform_id)
        try:
            set_storage_origins(platform, ["https://evil.example"], lms_admin)
        except NotPermitted:
            pass
        else:
            raise AssertionError("an LMS administrator set storage origins")
        platform = db.session.get(Platform, platform_id)
        assert platform.storage_origins == ["https://school.instructure.com"]
        verbs = [e.verb for e in db.session.scalars(select(Event))]
        assert "platform.updated" in verbs and "platform.update_refused" in verbs
