"""The admin console: who may use it (403 for everyone else, on every page and action), CSRF,
and each action doing what it says, audited."""

from __future__ import annotations

import re

import pytest
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from lti_tool.admin.accounts import create_admin
from lti_tool.admin.audit import cli_actor
from lti_tool.extensions import db
from lti_tool.models import Deployment, Event, Platform, ToolKey
from tests.builders import ISSUER, error_code, launch, launch_token_of, make_platform

PASSWORD = "correct horse battery staple"


def routes(platform_id: int, deployment_id: int) -> list[tuple[str, str]]:
    p, d = platform_id, deployment_id
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/platforms/new"),
        ("POST", "/admin/platforms/new"),
        ("GET", f"/admin/platforms/{p}"),
        ("POST", f"/admin/platforms/{p}"),
        ("POST", f"/admin/platforms/{p}/status"),
        ("GET", f"/admin/platforms/{p}/delete"),
        ("POST", f"/admin/platforms/{p}/delete"),
        ("POST", f"/admin/platforms/{p}/deployments"),
        ("POST", f"/admin/deployments/{d}/status"),
        ("GET", "/admin/keys"),
        ("POST", "/admin/keys/rotate"),
        ("POST", "/admin/keys/retire"),
        ("GET", "/admin/health"),
        ("GET", "/admin/audit"),
        ("GET", "/admin/setup"),
        ("GET", "/admin/setup/canvas"),
        ("POST", "/admin/invites"),
        ("GET", "/admin/grades"),
        ("POST", "/admin/grades/retry"),
    ]


@pytest.fixture
def console(app):
    """A console account signed in on its own test client."""
    with app.app_context():
        create_admin("alice", PASSWORD, cli_actor())
    client = app.test_client()
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/admin/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return client


def csrf_of(client) -> str:
    page = client.get("/admin/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def launch_csrf(app, token: str) -> str:
    with app.test_request_context("/", headers={"X-Launch-Token": token}):
        return generate_csrf()


def _ids(app):
    with app.app_context():
        p = db.session.scalars(select(Platform)).first()
        return p.id, p.deployments[0].id


def _tokens(app, client, platform_key, jwks):
    """Launch tokens of a student, a facilitator, and an administrator of *another* platform."""
    student = launch_token_of(launch(client, platform_key, "student", sub="s"))
    teacher = launch_token_of(launch(client, platform_key, "facilitator", sub="t"))
    with app.app_context():
        make_platform(jwks.url, issuer="https://other.example.edu", deployments=("deployment-1",))
    from tests.builders import Claims, login, post_launch, sign

    started = login(client, issuer="https://other.example.edu")
    body = Claims(
        nonce=started.nonce, role="admin", sub="a", body={"iss": "https://other.example.edu"}
    ).body
    other_admin = launch_token_of(post_launch(client, sign(body, platform_key), started.state))
    return {"student": student, "facilitator": teacher, "other platform's admin": other_admin}


def test_everyone_but_admins_gets_403_everywhere(app, client, platform, platform_key, jwks):
    tokens = _tokens(app, client, platform_key, jwks)
    platform_id, deployment_id = _ids(app)
    # Pages about no platform in particular show another platform's admin their own
    # registration (checked below); every other page and action is refused to them.
    own_scope = {
        "/admin/",
        "/admin/health",
        "/admin/audit",
        "/admin/setup",
        "/admin/setup/canvas",
        "/admin/grades",
    }
    # Retrying without naming a platform retries their own; naming ours is refused (tested in
    # test_grade_delivery_is_scoped_for_lms_admins).
    skip_for_other_admin = own_scope | {"/admin/grades/retry"}
    for method, path in routes(platform_id, deployment_id):
        anonymous = app.test_client().open(path, method=method)
        assert anonymous.status_code == 403, (method, path, "anonymous")
        for who, token in tokens.items():
            if who == "other platform's admin" and path in skip_for_other_admin:
                continue
            data = {"launch_token": token, "csrf_token": launch_csrf(app, token)}
            if method == "GET":
                response = app.test_client().get(path, headers={"X-Launch-Token": token})
            else:
                response = app.test_client().post(path, data=data)
            assert response.status_code == 403, (
                method,
                path,
                who,
                response.get_data(as_text=True)[:200],
            )
            assert error_code(response).startswith("ADMIN_")
    other = app.test_client()
    for path in own_scope:
        page = other.get(path, headers={"X-Launch-Token": tokens["other platform's admin"]})
        assert page.status_code == 200
        assert "lms.example.edu" not in page.get_data(
            as_text=True
        )  # the first platform stays hidden
    with app.app_context():
        assert len(db.session.scalars(select(Platform)).all()) == 2  # nothing changed
        assert db.session.scalars(select(Event).where(Event.verb.like("key.%"))).first() is None


def test_platform_admin_sees_only_their_platform(app, client, platform, platform_key, jwks):
    token = launch_token_of(launch(client, platform_key, "admin", sub="adm"))
    with app.app_context():
        other = make_platform(jwks.url, issuer="https://other.example.edu")
        other_id = other.id
    fresh = app.test_client()
    index = fresh.get("/admin/", headers={"X-Launch-Token": token}).get_data(as_text=True)
    assert "Test LMS" in index and "other.example.edu" not in index
    assert (
        fresh.get(f"/admin/platforms/{platform.id}", headers={"X-Launch-Token": token}).status_code
        == 200
    )
    assert (
        fresh.get(f"/admin/platforms/{other_id}", headers={"X-Launch-Token": token}).status_code
        == 403
    )
    assert fresh.get("/admin/keys", headers={"X-Launch-Token": token}).status_code == 403
    assert fresh.get("/admin/platforms/new", headers={"X-Launch-Token": token}).status_code == 403
    # They can manage their own deployments, inside the LMS iframe (no cookie).
    response = fresh.post(
        f"/admin/platforms/{platform.id}/deployments",
        data={
            "launch_token": token,
            "csrf_token": launch_csrf(app, token),
            "deployment_id": "new-dep",
        },
    )
    assert response.status_code == 303
    assert not response.headers.getlist("Set-Cookie")
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.verb == "deployment.added")).one()
        assert "LMS administrator" in event.actor_label and event.platform_id == platform.id


def test_posts_without_csrf_are_refused(app, console, platform):
    platform_id, deployment_id = _ids(app)
    for method, path in routes(platform_id, deployment_id):
        if method == "POST":
            response = console.post(path, data={})
            assert response.status_code == 400, path
            assert error_code(response) == "CSRF_FAILED"


def test_console_login_failures(app, client):
    with app.app_context():
        create_admin("alice", PASSWORD, cli_actor())
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = client.post(
        "/admin/login", data={"username": "alice", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_data(as_text=True)
    unknown = client.post(
        "/admin/login", data={"username": "bob", "password": PASSWORD, "csrf_token": token}
    )
    assert unknown.status_code == 401
    no_csrf = client.post("/admin/login", data={"username": "alice", "password": PASSWORD})
    assert no_csrf.status_code == 400
    assert client.get("/admin/").status_code == 403


def test_add_edit_disable_delete_a_platform_from_the_console(app, console, jwks, platform_key):
    csrf = csrf_of(console)
    form = {
        "csrf_token": csrf,
        "name": "State U Moodle",
        "product_family": "moodle",
        "issuer": ISSUER,
        "client_id": "client-123",
        "auth_login_url": ISSUER + "/auth",
        "auth_token_url": ISSUER + "/token",
        "key_set_url": jwks.url,
        "auth_audience": "",
        "deployment_policy": "hold",
        "deployment_ids": "deployment-1, deployment-2",
    }
    created = console.post("/admin/platforms/new", data=form)
    assert created.status_code == 303
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert [d.deployment_id for d in platform.deployments] == ["deployment-1", "deployment-2"]
        pid = platform.id
    # A registration made in the console launches.
    assert launch(app.test_client(), platform_key).status_code == 303

    bad = console.post(f"/admin/platforms/{pid}", data={**form, "key_set_url": "not a url"})
    assert bad.status_code == 400 and "full http(s) URL" in bad.get_data(as_text=True)
    edited = console.post(f"/admin/platforms/{pid}", data={**form, "name": "Renamed <b>LMS</b>"})
    assert edited.status_code == 303
    page = console.get(f"/admin/platforms/{pid}").get_data(as_text=True)
    assert "Renamed &lt;b&gt;LMS&lt;/b&gt;" in page

    assert (
        console.post(
            f"/admin/platforms/{pid}/status", data={"csrf_token": csrf, "status": "disabled"}
        ).status_code
        == 303
    )
    refused = app.test_client().get(
        "/lti/login",
        query_string={
            "iss": ISSUER,
            "login_hint": "x",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": "client-123",
        },
    )
    assert refused.status_code == 403 and error_code(refused) == "PLATFORM_DISABLED"

    wrong_name = console.post(
        f"/admin/platforms/{pid}/delete", data={"csrf_token": csrf, "confirm_name": "nope"}
    )
    assert wrong_name.status_code == 400 and "exactly" in wrong_name.get_data(as_text=True)
    gone = console.post(
        f"/admin/platforms/{pid}/delete",
        data={"csrf_token": csrf, "confirm_name": "Renamed <b>LMS</b>"},
    )
    assert gone.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Platform)).first() is None
        assert db.session.scalars(select(Deployment)).first() is None
        verbs = [e.verb for e in db.session.scalars(select(Event).order_by(Event.id))]
        assert [v for v in verbs if v.startswith("platform.")] == [
            "platform.created",
            "platform.updated",
            "platform.disabled",
            "platform.deleted",
        ]
        assert all(
            e.actor_label == "admin alice"
            for e in db.session.scalars(select(Event).where(Event.verb.like("platform.%")))
        )


def test_duplicate_registration_in_the_console_is_an_inline_error(app, console, platform, jwks):
    csrf = csrf_of(console)
    response = console.post(
        "/admin/platforms/new",
        data={
            "csrf_token": csrf,
            "name": "Dup",
            "product_family": "other",
            "issuer": ISSUER,
            "client_id": "client-123",
            "auth_login_url": ISSUER + "/a",
            "auth_token_url": ISSUER + "/t",
            "key_set_url": jwks.url,
            "deployment_policy": "hold",
        },
    )
    assert response.status_code == 400 and "exists" in response.get_data(as_text=True)


def test_deployments_pending_then_activated(app, console, jwks, platform_key):
    with app.app_context():
        p = make_platform(jwks.url, deployments=())
        pid = p.id
    assert launch(app.test_client(), platform_key).status_code == 403  # held: not registered
    csrf = csrf_of(console)
    console.post(
        f"/admin/platforms/{pid}/deployments",
        data={"csrf_token": csrf, "deployment_id": "deployment-1"},
    )
    assert launch(app.test_client(), platform_key).status_code == 303
    with app.app_context():
        did = db.session.scalars(select(Deployment)).one().id
    console.post(
        f"/admin/deployments/{did}/status", data={"csrf_token": csrf, "status": "inactive"}
    )
    assert launch(app.test_client(), platform_key).status_code == 403
    console.post(f"/admin/deployments/{did}/status", data={"csrf_token": csrf, "status": "bogus"})
    with app.app_context():
        assert db.session.get(Deployment, did).status == "inactive"


def test_keys_rotate_and_retire_in_the_console(app, console):
    csrf = csrf_of(console)
    page = console.get("/admin/keys").get_data(as_text=True)
    assert "current" in page
    assert console.post("/admin/keys/rotate", data={"csrf_token": csrf}).status_code == 303
    with app.app_context():
        previous = db.session.scalars(select(ToolKey).where(ToolKey.status == "previous")).one()
    jwks = app.test_client().get("/.well-known/jwks.json").get_json()
    assert previous.kid in {k["kid"] for k in jwks["keys"]}
    assert (
        console.post(
            "/admin/keys/retire", data={"csrf_token": csrf, "kid": previous.kid}
        ).status_code
        == 303
    )
    jwks = app.test_client().get("/.well-known/jwks.json").get_json()
    assert previous.kid not in {k["kid"] for k in jwks["keys"]}
    unknown = console.post(
        "/admin/keys/retire", data={"csrf_token": csrf, "kid": "nope"}, follow_redirects=True
    )
    assert "no key with kid" in unknown.get_data(as_text=True)
    with app.app_context():
        verbs = {e.verb for e in db.session.scalars(select(Event))}
        assert {"key.rotated", "key.retired"} <= verbs


def test_health_view(app, console, platform, jwks):
    page = console.get("/admin/health").get_data(as_text=True)
    assert page.count('data-ok="true"') == 3  # database, key, the platform's JWKS
    jwks.status = 503
    page = console.get("/admin/health").get_data(as_text=True)
    assert 'data-ok="false"' in page and "HTTP 503" in page


def test_setup_pages_and_presets(app, console):
    overview = console.get("/admin/setup").get_data(as_text=True)
    assert "http://localhost/lti/register" in overview
    canvas = console.get("/admin/setup/canvas").get_data(as_text=True)
    assert (
        "http://localhost/lti/canvas.json" in canvas
        and "http://localhost/.well-known/jwks.json" in canvas
    )
    preset = console.get("/admin/platforms/new", query_string={"preset": "production"}).get_data(
        as_text=True
    )
    assert "https://sso.canvaslms.com/api/lti/authorize_redirect" in preset
    moodle = console.get(
        "/admin/platforms/new",
        query_string={"preset": "moodle", "site_url": "https://moodle.example.edu/"},
    ).get_data(as_text=True)
    assert "https://moodle.example.edu/mod/lti/auth.php" in moodle
    assert "https://moodle.example.edu/mod/lti/certs.php" in moodle
    assert console.get("/admin/setup/nope").status_code == 404


def test_invites_from_the_console(make_app, app):
    app = make_app(DYNAMIC_REGISTRATION="invite")
    with app.app_context():
        create_admin("alice", PASSWORD, cli_actor())
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True)
    ).group(1)
    client.post(
        "/admin/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    page = client.post("/admin/invites", data={"csrf_token": csrf_of(client), "note": "State U"})
    assert page.status_code == 200
    assert "http://localhost/lti/register?invite=" in page.get_data(as_text=True)


def test_logout(app, console):
    csrf = csrf_of(console)
    assert console.post("/admin/logout", data={"csrf_token": csrf}).status_code == 303
    assert console.get("/admin/").status_code == 403


def test_held_deployment_shows_as_pending_and_is_approved_in_the_console(
    app, console, jwks, platform_key
):
    with app.app_context():
        pid = make_platform(jwks.url, deployments=()).id
    assert launch_status(app, platform_key) == 403  # held
    page = console.get(f"/admin/platforms/{pid}").get_data(as_text=True)
    assert "deployment-1" in page and "pending" in page
    index = console.get("/admin/").get_data(as_text=True)
    assert "1 pending" in index
    with app.app_context():
        did = db.session.scalars(select(Deployment)).one().id
    console.post(
        f"/admin/deployments/{did}/status",
        data={"csrf_token": csrf_of(console), "status": "active"},
    )
    assert launch_status(app, platform_key) == 303


def launch_status(app, platform_key) -> int:
    from tests.builders import Claims, login, post_launch, sign

    client = app.test_client()
    started = login(client)
    return post_launch(
        client, sign(Claims(nonce=started.nonce).body, platform_key), started.state
    ).status_code


def _failed_score(app) -> int:
    from lti_tool.models import Activity, Context, OutboxScore, Person, utcnow

    with app.app_context():
        person = db.session.scalars(select(Person)).first()
        context = db.session.scalars(select(Context)).first()
        activity = Activity(
            context_id=context.id,
            kind="goal_setting",
            title="Goals",
            points=10,
            resource_id="res-1",
            placed_by="deep_linking",
        )
        db.session.add(activity)
        db.session.flush()
        row = OutboxScore(
            platform_id=context.platform_id,
            context_id=context.id,
            activity_id=activity.id,
            person_id=person.id,
            score_given=7,
            score_maximum=10,
            activity_progress="Completed",
            grading_progress="FullyGraded",
            score_timestamp=utcnow(),
            status="failed",
            attempts=20,
            last_error="HTTP 500 from the LMS",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_grade_delivery_queue_and_retry(app, console, client, platform, platform_key):
    launch(client, platform_key, "student")
    row_id = _failed_score(app)
    page = console.get("/admin/grades").get_data(as_text=True)
    assert "HTTP 500 from the LMS" in page and "Retry failed and refused" in page
    response = console.post(
        "/admin/grades/retry",
        data={"csrf_token": csrf_of(console), "platform_id": str(platform.id)},
    )
    assert response.status_code == 303 and "1+score" in response.headers["Location"]
    from lti_tool.models import OutboxScore

    with app.app_context():
        assert db.session.get(OutboxScore, row_id).status == "pending"
        assert db.session.scalars(select(Event).where(Event.verb == "grades.retried")).one()


def test_grade_delivery_is_scoped_for_lms_admins(app, client, platform, platform_key, jwks):
    launch(client, platform_key, "student")
    _failed_score(app)
    tokens = _tokens(app, client, platform_key, jwks)
    other = tokens["other platform's admin"]
    page = app.test_client().get("/admin/grades", headers={"X-Launch-Token": other})
    assert page.status_code == 200 and "HTTP 500 from the LMS" not in page.get_data(as_text=True)
    refused = app.test_client().post(
        "/admin/grades/retry",
        data={
            "launch_token": other,
            "csrf_token": launch_csrf(app, other),
            "platform_id": str(platform.id),
        },
    )
    assert refused.status_code == 403
    for who in ("student", "facilitator"):
        assert (
            app.test_client()
            .get("/admin/grades", headers={"X-Launch-Token": tokens[who]})
            .status_code
            == 403
        )
