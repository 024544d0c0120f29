"""The built-in jobs: a phase date passing moves the phase with no page visit (and records the
same event a visit would), rosters are refreshed before reviewers are allocated, and expired
rows are cleaned up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from lti_tool.activities.feedback import services as svc
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.extensions import db
from lti_tool.jobs import registry
from lti_tool.jobs import runner as jobs_runner
from lti_tool.jobs.runner import run_due_jobs
from lti_tool.models import (
    Activity,
    Context,
    CourseServices,
    Deployment,
    Event,
    LaunchSession,
    Membership,
    Person,
    PlacedBy,
    Role,
    RosterSync,
    ScheduledJob,
    UsedLinkTicket,
    UsedNonce,
    utcnow,
)
from lti_tool.models.feedback import FeedbackAllocation

TODAY = date.today()


@pytest.fixture
def only(monkeypatch):
    def use(*names: str) -> None:
        jobs = [registry.get(n) for n in names]
        monkeypatch.setattr(jobs_runner, "registered", lambda: jobs)

    return use


@pytest.fixture
def course(app, platform):
    """A course with five students and a feedback rounds activity; yields its ids."""
    with app.app_context():
        deployment = db.session.scalars(
            select(Deployment).where(Deployment.platform_id == platform.id)
        ).first()
        ctx = Context(platform_id=platform.id, deployment_id=deployment.id, context_id="c1")
        db.session.add(ctx)
        db.session.flush()
        people = [Person(platform_id=platform.id, sub=f"s{n}", name=f"S{n}") for n in range(5)]
        prof = Person(platform_id=platform.id, sub="prof", name="Prof")
        db.session.add_all([*people, prof])
        db.session.flush()
        db.session.add_all(
            Membership(person_id=p.id, context_id=ctx.id, role=Role.STUDENT) for p in people
        )
        activity = create_activity(
            ctx,
            ActivityConfig(kind="feedback_rounds", title="FR", points=10),
            created_by=prof,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        svc.set_direct_rubric(activity, prof, [svc.CriterionInput("A", "", ("lo", "mid", "hi"))])
        db.session.commit()
        yield activity.id, [p.id for p in people], prof.id, ctx.id


def _configure(app, activity_id, prof_id, review_day: date) -> None:
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        prof = db.session.get(Person, prof_id)
        dates = {"1": {"review": review_day.isoformat()}}
        svc.configure(activity, prof, svc.Settings(reviewers_per_submission=2, round_dates=dates))
        for person in db.session.scalars(
            select(Person).join(Membership).where(Membership.role == Role.STUDENT)
        ):
            svc.submit(activity, person, body="v1", now=datetime.now(UTC))
        db.session.commit()


def _phase(app, activity_id) -> tuple[int, str]:
    with app.app_context():
        config = svc.config_of(db.session.get(Activity, activity_id))
        return config.current_round, config.current_phase


def test_a_phase_date_passing_moves_the_phase_without_a_visit(app, course, only):
    activity_id, students, prof_id, _ = course
    _configure(app, activity_id, prof_id, TODAY + timedelta(days=1))
    only("phases")
    settings = app.extensions["coproduce.settings"]
    with app.app_context():
        run_due_jobs(settings, "w", today=TODAY)
    assert _phase(app, activity_id) == (1, "submit")  # its day has not come
    with app.app_context():
        db.session.execute(
            ScheduledJob.__table__.update().values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        (run,) = run_due_jobs(settings, "w", today=TODAY + timedelta(days=1))
    assert (run.outcome, run.detail) == ("ok", "1 activities moved on")
    assert _phase(app, activity_id) == (1, "review")
    with app.app_context():
        allocations = db.session.scalars(
            select(FeedbackAllocation).where(FeedbackAllocation.activity_id == activity_id)
        ).all()
        assert len(allocations) == 2 * len(students)  # entering review allocated reviewers
        events = db.session.scalars(select(Event).where(Event.verb == "feedback.phase_moved")).all()
        assert [(e.data["phase"], e.actor_kind) for e in events] == [("review", "system")]


def test_roster_refresh_before_allocation(app, course, only, monkeypatch):
    import lti_tool.roster

    activity_id, _, prof_id, context_id = course
    synced: list[int] = []
    monkeypatch.setattr(
        lti_tool.roster, "sync_roster", lambda context, **kw: synced.append(context.id)
    )
    only("roster_refresh")
    settings = app.extensions["coproduce.settings"]
    _configure(app, activity_id, prof_id, TODAY + timedelta(days=5))
    with app.app_context():
        db.session.add(CourseServices(context_id=context_id, memberships_url="https://lms/x"))
        db.session.commit()
        run_due_jobs(settings, "w", today=TODAY)  # allocation in 5 days: not yet
    assert synced == []
    with app.app_context():
        db.session.execute(
            ScheduledJob.__table__.update().values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        run_due_jobs(settings, "w", today=TODAY + timedelta(days=4))
    assert synced == [context_id]  # reviewers are allocated tomorrow
    with app.app_context():
        db.session.add(RosterSync(context_id=context_id, scope="", synced_at=utcnow()))
        db.session.execute(
            ScheduledJob.__table__.update().values(next_due_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        (run,) = run_due_jobs(settings, "w", today=TODAY + timedelta(days=4))
    assert synced == [context_id] and run.detail == "0 rosters synced, 1 skipped"  # fresh


def test_cleanup_deletes_only_what_expired(app, course, only):
    activity_id, students, _, context_id = course
    now = utcnow()
    with app.app_context():
        from lti_tool.models import Platform

        platform_id = db.session.scalars(select(Platform.id)).first()
        db.session.add_all(
            [
                UsedNonce(nonce="old", expires_at=now - timedelta(minutes=1)),
                UsedNonce(nonce="fresh", expires_at=now + timedelta(minutes=10)),
                UsedNonce(
                    nonce="invite:spent-long-ago",
                    expires_at=now + timedelta(days=3000),
                    created_at=now - timedelta(days=30),
                ),
                UsedNonce(nonce="invite:spent-today", expires_at=now + timedelta(days=3000)),
                UsedLinkTicket(jti="t-old", expires_at=now - timedelta(seconds=1)),
                LaunchSession(
                    token_salt="s",
                    platform_id=platform_id,
                    person_id=students[0],
                    context_id=context_id,
                    message_type="LtiResourceLinkRequest",
                    csrf_secret="c",
                    expires_at=now - timedelta(hours=1),
                ),
            ]
        )
        db.session.commit()
        only("cleanup")
        (run,) = run_due_jobs(app.extensions["coproduce.settings"], "w")
        assert run.outcome == "ok" and "1 nonces, 1 invitations" in run.detail
        assert sorted(db.session.scalars(select(UsedNonce.nonce))) == [
            "fresh",
            "invite:spent-today",  # its invitation link may still be presented: kept
        ]
        assert db.session.scalars(select(UsedLinkTicket)).all() == []
        assert db.session.scalars(select(LaunchSession)).all() == []
