"""Course retention: a platform's rule deletes exactly the courses past their period (last
activity or end date + N days), only once armed after a dry run; with them go their
activities, every dependent row, their events and uploaded files. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lti_tool import storage
from lti_tool.events import ToolActor
from lti_tool.extensions import db
from lti_tool.jobs import registry
from lti_tool.jobs.registry import JobContext
from lti_tool.models import (
    Activity,
    Context,
    Event,
    FeedbackConfig,
    FeedbackSubmission,
    Membership,
    OutboxScore,
    Person,
    Platform,
    RetentionRule,
    utcnow,
)
from lti_tool.privacy import retention
from tests.builders import make_platform

NOW = utcnow().replace(microsecond=0)
ADMIN = ToolActor("test admin")


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False, JOB_SCHEDULER=True)


def _course(platform: Platform, key: str, *, created_days_ago: int) -> Context:
    when = NOW - timedelta(days=created_days_ago)
    context = Context(
        platform_id=platform.id,
        deployment_id=platform.deployments[0].id,
        context_id=key,
        title=f"Course {key}",
        created_at=when,
        updated_at=when,
    )
    db.session.add(context)
    db.session.flush()
    return context


def _activity(context: Context, key: str, *, days_ago: int, phase_dates=None) -> Activity:
    when = NOW - timedelta(days=days_ago)
    activity = Activity(
        context_id=context.id,
        kind="feedback_rounds",
        title=f"Activity {key}",
        resource_id=f"res-{key}",
        placed_by="first_launch",
        phase_dates=phase_dates or {},
        created_at=when,
        updated_at=when,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


@pytest.fixture
def world(app, jwks):
    """Courses of the platform (30-day rule) and one of another platform, with ages:
    A  created 40 days ago, nothing since                        -> expired
    B  created 40 days ago, a member launched 10 days ago        -> kept
    C  created 40 days ago, an activity's last phase 5 days ago  -> kept (end date counts)
    D  created 100 days ago, an event 20 days ago                -> kept
    E  created 31 days ago, a submitted file, a score            -> expired
    F  another platform, created 400 days ago (no rule there)    -> kept
    """
    with app.app_context():
        platform = make_platform(jwks.url)
        other = make_platform(jwks.url, issuer="https://other.example.edu")
        student = Person(platform_id=platform.id, sub="s-1", name="Sam Student")
        db.session.add(student)
        db.session.flush()
        a = _course(platform, "A", created_days_ago=40)
        _activity(a, "A", days_ago=40)
        db.session.add(
            Event(
                actor_kind="system",
                actor_label="x",
                platform_id=platform.id,
                context_id=a.id,
                verb="old",
                object_type="x",
                occurred_at=NOW - timedelta(days=40),
            )
        )
        b = _course(platform, "B", created_days_ago=40)
        db.session.add(
            Membership(
                person_id=student.id,
                context_id=b.id,
                role="student",
                last_launch_at=NOW - timedelta(days=10),
            )
        )
        c = _course(platform, "C", created_days_ago=40)
        ends = (date.today() - timedelta(days=5)).isoformat()
        _activity(c, "C", days_ago=40, phase_dates={"review": ends})
        d = _course(platform, "D", created_days_ago=100)
        db.session.add(
            Event(
                actor_kind="system",
                actor_label="x",
                platform_id=platform.id,
                context_id=d.id,
                verb="recent",
                object_type="x",
                occurred_at=NOW - timedelta(days=20),
            )
        )
        e = _course(platform, "E", created_days_ago=31)
        db.session.add(
            Membership(
                person_id=student.id,
                context_id=e.id,
                role="student",
                last_launch_at=NOW - timedelta(days=31),
            )
        )
        activity = _activity(e, "E", days_ago=31)
        db.session.add(FeedbackConfig(activity_id=activity.id))
        key = storage.new_key()
        storage.put(key, b"E's upload")
        db.session.add(
            FeedbackSubmission(
                activity_id=activity.id,
                person_id=student.id,
                round=1,
                body="essay",
                file_key=key,
                file_ext="txt",
                submitted_at=NOW - timedelta(days=31),
            )
        )
        db.session.add(
            OutboxScore(
                platform_id=platform.id,
                context_id=e.id,
                activity_id=activity.id,
                person_id=student.id,
                score_given=1.0,
                score_maximum=1.0,
                activity_progress="Completed",
                grading_progress="FullyGraded",
                score_timestamp=NOW - timedelta(days=31),
            )
        )
        f = _course(other, "F", created_days_ago=400)
        db.session.commit()
        return {
            "platform_id": platform.id,
            "ids": {n: x.id for n, x in zip("ABCDEF", (a, b, c, d, e, f), strict=True)},
            "file": key,
        }


def _left(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Context.context_id)))


def test_the_rule_reports_first_then_deletes_exactly_the_expired_courses(app, world):
    with app.app_context():
        platform = db.session.get(Platform, world["platform_id"])
        rule = retention.set_rule(platform, 30, ADMIN)
        assert rule is not None and not rule.armed
        fates = {f.context_id: f for f in retention.course_fates(platform.id, 30)}
        expired = {cid for cid, f in fates.items() if f.expired(NOW)}
        assert expired == {world["ids"]["A"], world["ids"]["E"]}
        with pytest.raises(ValueError):
            retention.arm_rule(rule, ADMIN)  # no report seen yet

        # The first run only reports.
        summary = retention.run_all(NOW)
        assert "0 courses deleted" in summary and "2 would go" in summary
    assert _left(app) == set("ABCDEF")
    with app.app_context():
        rule = db.session.scalars(select(RetentionRule)).one()
        assert rule.last_report["dry_run"] is True
        assert {c["id"] for c in rule.last_report["courses"]} == {
            world["ids"]["A"],
            world["ids"]["E"],
        }
        retention.arm_rule(rule, ADMIN)

        # Armed: the retention job of the registry deletes them.
        job = registry.get("retention")
        assert job is not None
        settings = app.extensions["coproduce.settings"]
        summary = job.run(JobContext(settings=settings, now=NOW, today=NOW.date(), worker_id="w"))
        assert summary.startswith("2 courses deleted")
    assert _left(app) == set("BCDF")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 1  # C's
        assert db.session.scalar(select(func.count()).select_from(FeedbackSubmission)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxScore)) == 0
        assert db.session.scalar(select(func.count()).select_from(FeedbackConfig)) == 0
        assert not storage.exists(world["file"])
        verbs = [e.verb for e in db.session.scalars(select(Event))]
        assert "old" not in verbs and "recent" in verbs
        assert verbs.count("retention.course_deleted") == 2
        # The people stay (they may be in other courses); B's membership is untouched.
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1


def test_a_shorter_period_is_a_dry_run_again(app, world):
    with app.app_context():
        platform = db.session.get(Platform, world["platform_id"])
        rule = retention.set_rule(platform, 365, ADMIN)
        retention.run_all(NOW)
        retention.arm_rule(rule, ADMIN)
        rule = retention.set_rule(platform, 30, ADMIN)
        assert rule is not None and not rule.armed
        retention.run_all(NOW)
    assert _left(app) == set("ABCDEF")


def test_bad_periods_are_refused(app, world):
    with app.app_context():
        platform = db.session.get(Platform, world["platform_id"])
        for days in (0, -1, retention.MAX_DAYS + 1):
            with pytest.raises(ValueError):
                retention.set_rule(platform, days, ADMIN)


def test_the_cli_shows_what_goes_when(app, world):
    runner = app.test_cli_runner()
    pid = str(world["platform_id"])
    out = runner.invoke(args=["privacy", "retention", "--platform", pid, "--days", "30"])
    assert out.exit_code == 0 and "dry run" in out.output
    assert "Course A" in out.output and "goes now" in out.output
    refused = runner.invoke(args=["privacy", "retention", "--platform", pid, "--arm"])
    assert refused.exit_code != 0  # no report seen yet
