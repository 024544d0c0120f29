"""Issue 11, item 4/5: console sign-in under attack: lockout with backoff per account and per
address, server-side sessions that sign-out and a password change revoke, nothing secret logged."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import select, update

from lti_tool.admin import throttle
from lti_tool.admin.accounts import create_admin
from lti_tool.admin.audit import cli_actor
from lti_tool.extensions import db
from lti_tool.models import AdminSession, Event, SignInThrottle, utcnow
from tests.admin.test_console import PASSWORD, csrf_of

NEW_PASSWORD = "a much better passphrase"


def _csrf(client) -> str:
    page = client.get("/admin/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, username="alice", password=PASSWORD, address="198.51.100.7"):
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": _csrf(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def _alice(app) -> None:
    with app.app_context():
        create_admin("alice", PASSWORD, cli_actor())


def _expire_locks(app) -> None:
    with app.app_context():
        db.session.execute(
            update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_thirty_wrong_passwords_lock_the_account_then_the_right_one_is_refused(app, client):
    """The attack from the report: 30 wrong passwords, then the right one. It must not get in."""
    _alice(app)
    statuses = [_sign_in(client, password=f"guess-{i}").status_code for i in range(30)]
    assert statuses[: throttle.ACCOUNT_FREE_FAILURES - 1] == [401] * 4
    assert statuses[-1] == 429
    right = _sign_in(client)
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in right.get_data(as_text=True)
    assert client.get("/admin/").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AdminSession)).first() is None
    # Once the lock has run out, the right password works and the account's counter restarts.
    _expire_locks(app)
    assert _sign_in(client).status_code == 303
    assert client.get("/admin/").status_code == 200


def test_the_lock_doubles_with_each_further_failure(app):
    _alice(app)
    with app.app_context():
        for _ in range(throttle.ACCOUNT_FREE_FAILURES - 1):
            assert throttle.record_failure("alice", "192.0.2.1") is None
        first = throttle.record_failure("alice", "192.0.2.1")
        second = throttle.record_failure("alice", "192.0.2.1")
        assert first is not None and second is not None
        now = utcnow()
        assert abs((first.until - now) - throttle.FIRST_LOCK) < timedelta(seconds=5)
        assert abs((second.until - now) - 2 * throttle.FIRST_LOCK) < timedelta(seconds=5)
        for _ in range(40):
            last = throttle.record_failure("alice", "192.0.2.1")
        assert last.until - utcnow() <= throttle.MAX_LOCK


def test_password_spraying_from_one_address_locks_the_address(app, client):
    """The attack: one wrong guess at each of many accounts (no account reaches its own limit).
    The address is locked, even for a right password; another address is not."""
    _alice(app)
    for i in range(throttle.ADDRESS_FREE_FAILURES + 2):
        _sign_in(client, username=f"user{i}", password="Winter2026!")
    assert _sign_in(client).status_code == 429
    assert _sign_in(app.test_client(), address="203.0.113.9").status_code == 303


def test_a_cookie_copied_before_sign_out_stops_working(app, client):
    """The attack: copy the console cookie, wait for the admin to sign out, replay it."""
    _alice(app)
    assert _sign_in(client).status_code == 303
    stolen = client.get_cookie("coproduce_session").value
    thief = app.test_client()
    thief.set_cookie("coproduce_session", stolen)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    assert client.post("/admin/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    replay = app.test_client()
    replay.set_cookie("coproduce_session", stolen)
    assert replay.get("/admin/").status_code == 403
    assert replay.get("/admin/keys").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AdminSession)).first() is None


def test_a_password_change_signs_out_every_other_session(app):
    _alice(app)
    mine, stolen = app.test_client(), app.test_client()
    assert _sign_in(mine).status_code == 303
    assert _sign_in(stolen).status_code == 303
    wrong = mine.post(
        "/admin/password",
        data={
            "csrf_token": csrf_of(mine),
            "current": "not it",
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(as_text=True)
    assert stolen.get("/admin/").status_code == 200
    changed = mine.post(
        "/admin/password",
        data={
            "csrf_token": csrf_of(mine),
            "current": PASSWORD,
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 303
    assert stolen.get("/admin/").status_code == 403  # the other browser is out
    assert mine.get("/admin/").status_code == 200  # this one got a new session
    assert _sign_in(app.test_client()).status_code == 401  # the old password is gone
    assert _sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.verb == "admin.password_changed")
        ).one()
        assert event.data["sessions_revoked"] == 2


def test_set_password_on_the_command_line_revokes_sessions(app):
    _alice(app)
    browser = app.test_client()
    assert _sign_in(browser).status_code == 303
    result = app.test_cli_runner().invoke(
        args=["admin", "set-password", "alice", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert browser.get("/admin/").status_code == 403


def test_a_password_typed_as_the_username_is_never_logged_or_stored(app, client, caplog):
    """The slip: the admin types the password into the username field. It must reach neither
    the log nor the database (audit events, throttle keys)."""
    _alice(app)
    with caplog.at_level(logging.DEBUG):
        response = _sign_in(client, username=PASSWORD, password=PASSWORD)
    assert response.status_code == 401
    assert "admin sign-in refused" in caplog.text
    assert PASSWORD not in caplog.text
    assert "correct horse" not in caplog.text
    with app.app_context():
        for event in db.session.scalars(select(Event)):
            assert PASSWORD not in repr(event.data) and PASSWORD not in event.actor_label
        keys = db.session.scalars(select(SignInThrottle.key)).all()
        assert keys and all(PASSWORD not in k for k in keys)


def test_failed_sign_in_of_a_known_account_is_audited(app, client):
    _alice(app)
    _sign_in(client, password="wrong")
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.verb == "admin.sign_in_failed")).one()
        assert event.actor_label == "admin alice"


def test_a_sign_in_clears_expired_sessions_and_old_counters(app, client):
    _alice(app)
    with app.app_context():
        throttle.record_failure("mallory", "192.0.2.50")
        db.session.execute(
            update(SignInThrottle).values(last_failure_at=utcnow() - timedelta(days=2))
        )
        db.session.commit()
    assert _sign_in(client).status_code == 303
    with app.app_context():
        db.session.execute(update(AdminSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/admin/").status_code == 403  # an expired session lets no one in
    assert _sign_in(app.test_client()).status_code == 303
    with app.app_context():
        assert len(db.session.scalars(select(AdminSession)).all()) == 1
        keys = db.session.scalars(select(SignInThrottle.key)).all()
        assert throttle.address_key("192.0.2.50") not in keys
