"""The reminder pages: preferences inside a launch (every role, CSRF required), unsubscribe
from the mail alone (no launch; the signed token is the authority, so it takes no CSRF token,
as RFC 8058 one-click requires), and the sandbox's sent-mail view."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Event, MailPreference, MailSent, Person, utcnow
from lti_tool.reminders.tokens import make_token
from tests.activities.feedback.conftest import course  # noqa: F401  (fixture)
from tests.builders import error_code


def _pref(c, sub):
    with c.app.app_context():
        person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
        return db.session.scalars(
            select(MailPreference).where(MailPreference.person_id == person.id)
        ).first()


def test_preferences_for_every_launched_role_and_csrf(course):  # noqa: F811
    c = course
    for who in ("alice", "coach", "prof"):
        page = c.client.get("/mail/preferences", headers={"X-Launch-Token": c.tokens[who]})
        assert page.status_code == 200
    assert c.client.get("/mail/preferences").status_code in (401, 403)
    data = {"launch_token": c.tokens["alice"], "all": "on", "kind-due_soon": "on"}
    refused = c.client.post("/mail/preferences", data=data)
    assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"
    assert _pref(c, "alice") is None
    saved = c.client.post("/mail/preferences", data={**data, "csrf_token": c.csrf_of("alice")})
    assert saved.status_code == 200 and 'data-testid="saved"' in saved.get_data(as_text=True)
    pref = _pref(c, "alice")
    assert pref.unsubscribed is False and "due_soon" not in pref.kinds_off
    assert "digest" in pref.kinds_off and "reviews_to_do" in pref.kinds_off


def _token(c, sub, kind="due_soon"):
    with c.app.app_context():
        person_id = db.session.scalars(select(Person.id).where(Person.sub == sub)).one()
    return make_token(c.app.config["SECRET_KEY"], person_id, kind)


def test_unsubscribe_without_a_launch(course):  # noqa: F811
    c = course
    anonymous = c.app.test_client()
    token = _token(c, "bob")
    page = anonymous.get(f"/mail/unsubscribe/{token}")
    assert page.status_code == 200 and 'data-testid="stop-all"' in page.get_data(as_text=True)
    assert _pref(c, "bob") is None  # a GET (a link scanner) changes nothing
    only = anonymous.post(f"/mail/unsubscribe/{token}", data={"scope": "kind"})
    assert only.status_code == 200
    assert _pref(c, "bob").kinds_off == ["due_soon"] and not _pref(c, "bob").unsubscribed
    everything = anonymous.post(f"/mail/unsubscribe/{token}", data={"scope": "all"})
    assert everything.status_code == 200 and _pref(c, "bob").unsubscribed
    with c.app.app_context():
        assert db.session.scalars(select(Event).where(Event.verb == "mail.unsubscribed")).all()


def test_a_forged_or_foreign_token_is_refused(course):  # noqa: F811
    c = course
    anonymous = c.app.test_client()
    token = _token(c, "bob")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "nonsense", make_token("another-secret-" + "y" * 32, 1, "due_soon")):
        assert anonymous.get(f"/mail/unsubscribe/{bad}").status_code == 404
        answer = anonymous.post(f"/mail/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 404
    assert _pref(c, "bob") is None


def test_sandbox_shows_sent_mail(make_app):
    app = make_app(SANDBOX=True, OUTBOX_INPROCESS_WORKER=False)
    with app.app_context():
        from lti_tool.models import Platform

        platform = Platform(
            issuer="https://lms.example",
            client_id="c",
            name="LMS",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
        db.session.add(platform)
        db.session.flush()
        person = Person(platform_id=platform.id, sub="alice", name="Alice")
        db.session.add(person)
        db.session.flush()
        db.session.add(
            MailSent(
                person_id=person.id,
                event_key="due_soon:1:r1:submit",
                kind="due_soon",
                address="alice@uni.example",
                subject="Due soon: <Essay>",
                body="Your work is due.",
                status="sent",
                sent_at=utcnow(),
            )
        )
        db.session.commit()
    page = app.test_client().get("/sandbox/mail")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Due soon: &lt;Essay&gt;" in text and "alice@uni.example" in text


def test_every_start_page_in_a_course_links_to_the_preferences(course):  # noqa: F811
    c = course
    for who in ("alice", "coach", "prof"):
        start = c.client.get("/start", headers={"X-Launch-Token": c.tokens[who]})
        assert start.status_code == 200
        page = start.get_data(as_text=True)
        assert 'data-testid="mail-preferences-link"' in page and "/mail/preferences" in page
