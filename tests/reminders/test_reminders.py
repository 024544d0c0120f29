"""Reminder e-mail through a real SMTP server: the scheduled job sends exactly one mail per due
event across 3 workers, never to people without an address, never naming reviewers; one-click
unsubscribe stops them; a refused address is recorded and not tried again."""

from __future__ import annotations

import threading
import traceback
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.jobs import registry
from lti_tool.jobs import runner as jobs_runner
from lti_tool.jobs.runner import run_due_jobs
from lti_tool.models import MailPreference, MailSent, Person, RefusedAddress, ScheduledJob, utcnow
from lti_tool.reminders.sender import MAX_ATTEMPTS, send_due_reminders
from tests.activities.feedback.conftest import Course, configure
from tests.advantage import form_tokens
from tests.builders import launch, launch_token_of

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
# name, sub, address (None: the LMS withholds it)
STUDENTS = (
    ("Alice Anders", "alice", "alice@uni.example"),
    ("Bob Brown", "bob", "bob@uni.example"),
    ("Cara Chen", "cara", "refused-cara@uni.example"),
    ("Dev Dutta", "dev", "dev@uni.example"),
    ("Eve Evans", "eve", None),
)


@pytest.fixture
def only_reminders(monkeypatch):
    job = registry.get("reminders")  # the real job, registered by jobs.builtin
    assert job is not None and job.run.__name__ == "send_reminders"
    monkeypatch.setattr(jobs_runner, "registered", lambda: [job])


@pytest.fixture
def course(app, client, platform, platform_key) -> Course:
    prof = launch(
        client, platform_key, "facilitator", sub="prof", name="Pat Prof", email="pat@uni.example"
    )
    setup = client.get(prof.headers["Location"])
    client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "feedback_rounds",
            "title": "Essay rounds",
            "points": "10",
        },
    )
    with app.app_context():
        from lti_tool.models import Activity

        activity_id = db.session.scalars(select(Activity.id)).one()
    c = Course(app, client, activity_id)
    c.tokens["prof"] = launch_token_of(prof)
    for name, sub, address in STUDENTS:
        # No address: the LMS's privacy settings withhold it (the claim is empty).
        c.tokens[sub] = launch_token_of(
            launch(client, platform_key, "student", sub=sub, name=name, email=address)
        )
    return c


def _settings(app):
    return app.extensions["coproduce.settings"]


def _make_due(app):
    with app.app_context():
        db.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == "reminders")
            .values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def _three_at_once(app, target) -> None:
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            with app.app_context():  # a session of its own
                target(n)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            traceback.print_exc()
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def _addresses(sink):
    return sorted((m["To"], m["Subject"]) for m in sink.messages)


def test_one_mail_per_due_event_across_three_workers(app, course, smtp_sink, only_reminders):
    sink, _ = smtp_sink
    assert configure(course, **{"date-1-review": TOMORROW}).status_code == 303
    for sub in ("alice", "bob"):
        assert course.post(sub, "/submit", {"body": "my essay"}).status_code in (200, 303)

    # Three workers run the scheduler at the same moment: the job runs once.
    _three_at_once(app, lambda n: run_due_jobs(_settings(app), f"worker-{n}"))
    due_soon = [m for m in sink.messages if m["Subject"].startswith("Due soon")]
    assert [m["To"] for m in due_soon] == ["dev@uni.example"]  # not Eve (no address)
    assert [m["To"] for m in sink.to("pat@uni.example")] == ["pat@uni.example"]  # the digest
    assert sink.refused_attempts == ["refused-cara@uni.example"]
    first = _addresses(sink)

    # Three senders at once, past the scheduler's claim (as after a crash and a second due
    # time): the (person, event) row written before sending keeps it to one mail each.
    _three_at_once(app, lambda n: send_due_reminders(_settings(app)))
    _make_due(app)
    _three_at_once(app, lambda n: run_due_jobs(_settings(app), f"worker-{n}"))
    assert _addresses(sink) == first
    assert sink.refused_attempts == ["refused-cara@uni.example"]  # not retried

    with app.app_context():
        refused = db.session.scalars(select(RefusedAddress)).one()
        assert (refused.address, refused.code) == ("refused-cara@uni.example", 550)
        statuses = {(r.address, r.kind): r.status for r in db.session.scalars(select(MailSent))}
    assert statuses[("refused-cara@uni.example", "due_soon")] == "refused"
    assert statuses[("dev@uni.example", "due_soon")] == "sent"
    message = due_soon[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://localhost/mail/unsubscribe/")
    assert "Essay rounds" in message.get_content()


def test_reviews_to_do_never_names_a_reviewer_and_unsubscribe_stops_them(
    app, course, smtp_sink, only_reminders
):
    sink, _ = smtp_sink
    configure(course, k="2")
    for sub in ("alice", "bob", "dev"):
        course.post(sub, "/submit", {"body": "my essay"})
    assert course.post("prof", "/phase", {"to": "review"}).status_code in (200, 303)
    with app.app_context():
        send_due_reminders(_settings(app))
    to_dev = [m for m in sink.to("dev@uni.example") if "reviews to do" in m["Subject"]]
    assert len(to_dev) == 1
    body = to_dev[0].get_content()
    assert "You have 2 reviews to write" in body  # a plural, not "review(s)"
    for name, _, _ in STUDENTS:
        assert name.split()[0] not in body  # counts only, never who

    # One-click unsubscribe, as a mail client does it: a POST with no cookie and no launch.
    link = to_dev[0]["List-Unsubscribe"].strip("<>")
    anonymous = app.test_client()
    answer = anonymous.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    with app.app_context():
        dev = db.session.scalars(select(Person).where(Person.sub == "dev")).one()
        assert db.session.scalars(
            select(MailPreference.unsubscribed).where(MailPreference.person_id == dev.id)
        ).one()
    # A new event for Dev (feedback received) sends nothing to Dev; others still get theirs.
    with app.app_context():
        from lti_tool.activities.feedback.configuration import config_of
        from lti_tool.models import Activity

        config_of(db.session.get(Activity, course.activity_id)).current_phase = "respond"
        db.session.commit()
    before = len(sink.to("dev@uni.example"))
    with app.app_context():
        send_due_reminders(_settings(app))
    assert len(sink.to("dev@uni.example")) == before


def test_mail_off_without_smtp_host(make_app, only_reminders):
    app = make_app(SMTP_HOST="", OUTBOX_INPROCESS_WORKER=False)
    with app.app_context():
        runs = run_due_jobs(_settings(app), "w")
    assert runs[0].detail == "e-mail is off (SMTP_HOST is empty)"


def test_a_temporary_refusal_is_retried_a_few_times_then_left(app, course, smtp_sink):
    sink, _ = smtp_sink
    configure(course, **{"date-1-review": TOMORROW})
    with app.app_context():
        for sub in ("alice", "bob", "cara", "eve"):
            person = db.session.scalars(select(Person).where(Person.sub == sub)).one()
            person.email = None  # only Dev is mailed here
        dev = db.session.scalars(select(Person).where(Person.sub == "dev")).one()
        dev.email = "busy-dev@uni.example"
        db.session.commit()
    outcomes = []
    for _ in range(5):
        with app.app_context():
            outcomes.append(send_due_reminders(_settings(app)).failed)
    assert sink.busy_attempts == ["busy-dev@uni.example"] * MAX_ATTEMPTS
    assert outcomes == [1] * MAX_ATTEMPTS + [0] * (5 - MAX_ATTEMPTS)
    with app.app_context():
        row = db.session.scalars(
            select(MailSent).where(MailSent.address == "busy-dev@uni.example")
        ).one()
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
        assert row.error.startswith("451")
        assert db.session.scalars(select(RefusedAddress)).all() == []  # not a bounce
