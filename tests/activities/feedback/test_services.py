"""Service rules without HTTP: kept reviewers in round 2, late work during review, swaps,
the rubric lock, co-created rubric versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.extensions import db
from lti_tool.models import Context, Deployment, Membership, Person, PlacedBy, Role
from lti_tool.models.feedback import FeedbackAllocation


@pytest.fixture
def fr(app, platform):
    with app.app_context():
        deployment = db.session.scalars(
            select(Deployment).where(Deployment.platform_id == platform.id)
        ).first()
        ctx = Context(platform_id=platform.id, deployment_id=deployment.id, context_id="c1")
        db.session.add(ctx)
        db.session.flush()
        people = [Person(platform_id=platform.id, sub=f"s{n}", name=f"S{n}") for n in range(7)]
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
        yield activity, people, prof
        db.session.remove()


def _pairs(activity, round_no):
    return sorted(
        (a.submission.person_id, a.reviewer_id)
        for a in db.session.scalars(
            select(FeedbackAllocation).where(
                FeedbackAllocation.activity_id == activity.id,
                FeedbackAllocation.round == round_no,
                FeedbackAllocation.kind == "peer",
            )
        )
    )


def test_round_two_keeps_reviewers_when_not_reshuffled(fr):
    activity, people, prof = fr
    svc.configure(activity, prof, svc.Settings(reviewers_per_submission=2, reshuffle=False))
    for p in people:
        svc.submit(activity, p, body="v1")
    svc.advance_phase(activity, prof)
    first = _pairs(activity, 1)
    for _ in range(3):
        svc.advance_phase(activity, prof)
    for p in people:
        svc.submit(activity, p, body="v2")
    svc.advance_phase(activity, prof)
    assert _pairs(activity, 2) == first


def test_late_work_during_review_is_added_without_moving_others(fr):
    activity, people, prof = fr
    svc.configure(activity, prof, svc.Settings(reviewers_per_submission=2, late_policy="accept"))
    for p in people[:-1]:
        svc.submit(activity, p, body="on time")
    svc.advance_phase(activity, prof)
    before = _pairs(activity, 1)
    late = svc.submit(activity, people[-1], body="late")
    assert late.late
    after = _pairs(activity, 1)
    assert set(before) <= set(after)
    added = set(after) - set(before)
    assert len(added) == 2 and all(a == people[-1].id and r != a for a, r in added)


def test_late_work_refused_by_policy(fr):
    activity, people, prof = fr
    svc.configure(activity, prof, svc.Settings(late_policy="refuse"))
    svc.submit(activity, people[0], body="ok")
    svc.advance_phase(activity, prof)
    with pytest.raises(svc.FeedbackError) as refused:
        svc.submit(activity, people[1], body="late")
    assert refused.value.code == "DEADLINE_PASSED"


def test_swap_refused_once_started_and_rubric_locked(fr):
    activity, people, prof = fr
    svc.configure(activity, prof, svc.Settings(reviewers_per_submission=1))
    for p in people:
        svc.submit(activity, p, body="v1")
    with pytest.raises(svc.FeedbackError):
        svc.set_direct_rubric(activity, prof, [svc.CriterionInput("B", "", ("x", "y"))])
    svc.advance_phase(activity, prof)
    alloc = db.session.scalars(select(FeedbackAllocation)).first()
    author = alloc.submission.person_id
    with pytest.raises(svc.FeedbackError):
        svc.swap_reviewer(activity, prof, alloc, author)  # the author themself
    reviewer = next(p for p in people if p.id == alloc.reviewer_id)
    cid = svc.criteria_of(activity)[0].id
    save_review(activity, reviewer, alloc, ReviewInput({cid: 1}, {}, "", False))
    other = next(p.id for p in people if p.id not in (author, alloc.reviewer_id))
    with pytest.raises(svc.FeedbackError):
        svc.swap_reviewer(activity, prof, alloc, other)


def test_unknown_cocreated_rubric_is_refused(fr):
    activity, _, prof = fr
    with pytest.raises(svc.FeedbackError) as refused:
        svc.use_cocreated_rubric(activity, prof, 12345)
    assert refused.value.status == 404


def test_settings_are_checked(fr):
    activity, _, prof = fr
    for bad in (
        svc.Settings(rounds=0),
        svc.Settings(reviewers_per_submission=9),
        svc.Settings(anonymity="peek"),
        svc.Settings(weight_peer=0, weight_self=0, weight_staff=0, weight_reviewing=0),
        svc.Settings(round_dates={"1": {"review": "soon"}}),
        svc.Settings(weight_peer=float("nan")),
    ):
        with pytest.raises(svc.FeedbackError):
            svc.configure(activity, prof, bad)


def test_cocreated_rubric_is_copied_with_its_version_id(fr, monkeypatch):
    from lti_tool.activities.rubrics import api

    activity, _, prof = fr
    view = api.RubricView(
        version_id=77,
        activity_id=5,
        title="Essay rubric",
        version=3,
        criteria=(
            api.CriterionView(
                11, "Clarity", "Easy to follow", 2.0,
                (api.LevelView("Unclear", "", 0), api.LevelView("Clear", "", 4)),
            ),
        ),
    )  # fmt: skip
    asked = []

    def fake(version_id, context_id):
        asked.append((version_id, context_id))
        return view if version_id == 77 else None

    monkeypatch.setattr(svc.rubrics, "rubric_version", fake)
    svc.use_cocreated_rubric(activity, prof, 77)
    config = svc.config_of(activity)
    assert (config.rubric_source, config.rubric_version_id) == ("cocreated", 77)
    (criterion,) = svc.criteria_of(activity)
    assert (criterion.title, criterion.weight, criterion.source_criterion_id) == (
        "Clarity",
        2.0,
        11,
    )
    assert [lv["points"] for lv in criterion.levels] == [0, 4]
    assert asked == [(77, activity.context_id)]  # scoped by the activity's course


def test_dated_phases_move_by_themselves(fr):
    from datetime import UTC, date, datetime

    activity, people, prof = fr
    dates = {"1": {"review": "2026-03-01", "respond": "2026-03-08"}}
    svc.configure(activity, prof, svc.Settings(reviewers_per_submission=2, round_dates=dates))
    for p in people:
        svc.submit(activity, p, body="v1", now=datetime(2026, 2, 20, tzinfo=UTC))
    assert svc.catch_up(activity, date(2026, 2, 28)) == []
    assert svc.catch_up(activity, date(2026, 3, 1)) == ["review"]
    assert len(_pairs(activity, 1)) == 2 * len(people)
    assert svc.catch_up(activity, date(2026, 3, 20)) == ["respond"]  # revise is undated: waits
    config = svc.config_of(activity)
    assert (config.current_round, config.current_phase) == (1, "respond")
