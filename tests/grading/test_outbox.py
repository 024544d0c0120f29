"""The outbox: scores are written in the caller's transaction, only the newest pending score per
student is sent, timestamps strictly increase, platform refusals are final with their reason,
retries back off (honouring Retry-After) and give up, failed scores can be put back, and one
token serves many scores."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.grading import (
    ArtifactContent,
    ScoreChange,
    ScoreError,
    queue_summary,
    record_score,
    retry_failed,
    stuck_scores,
)
from lti_tool.grading.delivery import Deliverer, DeliveryOptions
from lti_tool.models import Activity, Artifact, OutboxScore, Person, utcnow
from tests.advantage import deliver_all
from tests.grading.helpers import graded_course


def test_a_score_is_written_in_the_callers_transaction(live):
    course = graded_course(live, students=2)
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == course.students[0])).one()
        record_score(
            activity,
            person,
            ScoreChange(5, artifact=ArtifactContent("t", "s", "b")),
            tool_base_url=live.url,
        )
        db.session.rollback()  # the change that caused it failed: nothing of it remains
        assert db.session.scalar(select(func.count(OutboxScore.id))) == 0
        assert db.session.scalar(select(func.count(Artifact.id))) == 0


def test_scores_are_checked(live):
    graded_course(live, students=1)
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        person = db.session.scalars(select(Person).where(Person.sub == "student-1")).one()
        for change in (
            ScoreChange(11),
            ScoreChange(-1),
            ScoreChange(5, activity_progress="Done"),
            ScoreChange(5, grading_progress="Great"),
        ):
            with pytest.raises(ScoreError):
                record_score(activity, person, change, tool_base_url=live.url)


def test_only_the_newest_pending_score_is_sent(live):
    course = graded_course(live, students=3)
    for score in (2, 4, 6):
        for sub in course.students:
            course.record(sub, score)
    deliver_all(live)
    received = course.received()
    assert {sub: [e.score_given for e in entries] for sub, entries in received.items()} == {
        sub: [6] for sub in course.students
    }
    assert all(row.version == 3 for row in course.outbox())
    course.assert_newest_delivered_exactly_once()


def test_timestamps_strictly_increase(live):
    course = graded_course(live, students=1)
    sub = course.students[0]
    stamps = []
    for score in range(1, 8):
        course.record(sub, score)
        stamps.append(course.newest[sub][2])
        if score % 2:
            deliver_all(live)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(s.microsecond or s.second for s in stamps)
    deliver_all(live)
    assert [e.score_given for e in course.received()[sub]] == [1, 3, 5, 7]
    course.assert_newest_delivered_exactly_once()


def test_a_newer_score_recorded_during_delivery_goes_next(live):
    course = graded_course(live, students=1)
    sub = course.students[0]
    course.record(sub, 3)
    live.faults(latency_ms=600)

    def one_round() -> None:
        with live.app.app_context():
            deliverer = Deliverer(DeliveryOptions.of(live.settings))
            deliverer.run_round()
            deliverer.close()
            db.session.remove()

    delivering = threading.Thread(target=one_round)
    delivering.start()
    deadline = time.monotonic() + 10
    while not course.outbox()[0].claimed_by:  # wait until the first score is in flight
        assert time.monotonic() < deadline
        time.sleep(0.02)
    course.record(sub, 9)
    delivering.join()
    (row,) = course.outbox()
    assert (row.status, row.delivered_version, row.version) == ("pending", 1, 2)
    live.faults()
    deliver_all(live)
    assert [e.score_given for e in course.received()[sub]] == [3, 9]
    course.assert_newest_delivered_exactly_once()


def test_a_student_who_cannot_be_graded_is_refused_for_good(live):
    graded_course(live, students=1)
    live.launch(live.client(), "ta-1")  # the TA is known to the tool, but not gradable
    with live.app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        ta = db.session.scalars(select(Person).where(Person.sub == "ta-1")).one()
        record_score(activity, ta, ScoreChange(5), tool_base_url=live.url)
        db.session.commit()
    live.deliver()
    live.deliver()
    with live.app.app_context():
        row = db.session.scalars(select(OutboxScore)).one()
        assert (row.status, row.attempts, row.last_http_status) == ("rejected", 1, 422)
        assert "User not found in course or is not a student" in row.last_error
        (stuck,) = stuck_scores(None)
        assert stuck.delivery == "refused" and stuck.person_name == "Tomás Reyes"


def test_retries_give_up_and_a_person_can_put_them_back(live_factory):
    live = live_factory(OUTBOX_MAX_ATTEMPTS=3)
    course = graded_course(live, students=2)
    for sub in course.students:
        course.record(sub, 7)
    live.faults(error_rate=1.0)
    deadline = time.monotonic() + 10
    while any(r.status == "pending" for r in course.outbox()):
        assert time.monotonic() < deadline
        live.deliver()
        time.sleep(0.05)
    rows = course.outbox()
    assert {(r.status, r.attempts, r.last_http_status) for r in rows} == {("failed", 3, 500)}
    with live.app.app_context():
        (summary,) = queue_summary(None)
        assert (summary.failed, summary.queued, summary.delivered) == (2, 0, 0)
        assert retry_failed(summary.platform_id) == 2
        db.session.commit()
    live.faults()
    deliver_all(live)
    course.assert_newest_delivered_exactly_once()


def test_retry_after_is_honoured(live):
    course = graded_course(live, students=1)
    course.record(course.students[0], 4)
    live.faults(rate_limit_rate=1.0, retry_after_seconds=30)
    started = utcnow()
    live.deliver()
    (row,) = course.outbox()
    assert (row.status, row.attempts, row.last_http_status) == ("pending", 1, 429)
    assert row.next_attempt_at >= started + timedelta(seconds=29)
    assert "rate-limited" in row.last_error


def test_backoff_grows_with_jitter_and_a_cap():
    from lti_tool.grading.outbox import RetryPolicy

    policy = RetryPolicy(max_attempts=10, base_seconds=2, cap_seconds=60)
    delays = [[policy.delay(n) for _ in range(50)] for n in (1, 2, 3, 10)]
    assert all(1 <= d <= 2 for d in delays[0]) and all(2 <= d <= 4 for d in delays[1])
    assert all(4 <= d <= 8 for d in delays[2]) and all(30 <= d <= 60 for d in delays[3])
    assert len(set(delays[2])) > 40  # jittered
    assert policy.delay(1, retry_after=45) >= 45


def test_one_token_request_for_many_scores(live):
    course = graded_course(live, students=40)
    for sub in course.students:
        course.record(sub, 8)
    deliver_all(live)
    stats = live.stats()
    assert stats["scores"] == 40
    # The roster sync asked for its own (NRPS) token; all AGS work shares one.
    assert stats["token_requests"] == 2
    course.assert_newest_delivered_exactly_once()


def test_queue_and_retry_are_scoped_to_a_platform(live, jwks):
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.models import Context, Deployment, PlacedBy
    from tests.builders import make_platform

    course = graded_course(live, students=1)
    course.record(course.students[0], 5)
    with live.app.app_context():
        # A course of another registration, with a failed score of its own.
        other = make_platform(jwks.url)
        deployment = db.session.scalars(
            select(Deployment).where(Deployment.platform_id == other.id)
        ).one()
        context = Context(platform_id=other.id, deployment=deployment, context_id="c-2")
        person = Person(platform_id=other.id, sub="u-2")
        db.session.add_all([context, person])
        db.session.flush()
        activity = create_activity(
            context,
            ActivityConfig("goal_setting", "G", points=5),
            created_by=None,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        record_score(activity, person, ScoreChange(2), tool_base_url=live.url)
        db.session.execute(db.update(OutboxScore).values(status="failed"))
        db.session.commit()
        other_id = other.id
        sandbox_id = db.session.scalars(
            select(OutboxScore.platform_id).where(OutboxScore.platform_id != other_id)
        ).one()

        assert {q.platform_name for q in queue_summary(None)} == {"Sandbox LMS", "Test LMS"}
        (theirs,) = queue_summary(other_id)
        assert (theirs.platform_id, theirs.failed) == (other_id, 1)
        assert [s.platform_id for s in stuck_scores(sandbox_id)] == [sandbox_id]
        assert retry_failed(other_id) == 1
        db.session.commit()
        statuses = dict(
            db.session.execute(select(OutboxScore.platform_id, OutboxScore.status)).all()
        )
        assert statuses == {other_id: "pending", sandbox_id: "failed"}


def test_a_course_without_grade_service_fails_scores_with_the_reason(
    app, client, platform, platform_key
):
    from dataclasses import replace

    from tests.advantage import form_tokens
    from tests.builders import launch

    # Only this test's deliverer works the queue: an in-process worker woken by the set-up
    # could claim the line item first and leave it undecided when record_score looks.
    app.extensions["coproduce.settings"] = replace(
        app.extensions["coproduce.settings"], OUTBOX_INPROCESS_WORKER=False
    )
    setup = client.get(launch(client, platform_key, "facilitator").headers["Location"])
    client.post(
        "/activities/setup",
        data={
            **form_tokens(setup.get_data(as_text=True)),
            "kind": "goal_setting",
            "title": "G",
            "points": "4",
        },
    )
    launch(client, platform_key, "student", sub="s1")
    settings = app.extensions["coproduce.settings"]
    with app.app_context():
        deliverer = Deliverer(DeliveryOptions.of(settings))
        deliverer.run_until_idle()
        activity = db.session.scalars(select(Activity)).one()
        student = db.session.scalars(select(Person).where(Person.sub == "s1")).one()
        row = record_score(activity, student, ScoreChange(3), tool_base_url="http://localhost")
        db.session.commit()
        assert row.status == "failed" and "line item service" in row.last_error
        deliverer.close()


def test_submission_survives_coalescing(live):
    course = graded_course(live, students=1)
    sub = course.students[0]
    course.record(sub, 5, artifact=ArtifactContent("Plan", "one goal", "Goal"), new_work=True)
    course.record(sub, 6)  # a regrade before the first score left: the work must still go
    (row,) = course.outbox()
    assert row.submission and row.submission["new"] is True
    assert "See the work:" in row.comment


def test_queue_summary_counts_each_state(live):
    course = graded_course(live, students=3)
    for sub in course.students:
        course.record(sub, 3)
    live.faults(error_rate=1.0)
    live.deliver()
    course.record(course.students[0], 4)  # a new score: queued again, attempts start over
    with live.app.app_context():
        (summary,) = queue_summary(None)
        assert (summary.queued, summary.retrying, summary.failed, summary.delivered) == (1, 2, 0, 0)
        assert summary.oldest_waiting_since is not None and summary.next_attempt_at is not None
        assert {s.delivery for s in stuck_scores(None)} == {"retrying"}
