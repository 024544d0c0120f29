"""Scores from the database: hand-computed, sent through the outbox only when they change,
overrides logged, contests resolved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.activities.feedback import scoring
from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
from lti_tool.extensions import db
from lti_tool.models import Activity, Event, OutboxScore, Person, PlacedBy
from lti_tool.models.feedback import FeedbackAllocation
from tests.builders import launch


@pytest.fixture
def cls(app, client, platform, platform_key):
    """Four students in a course and an activity with a two-criterion rubric (0..3, 0..2)."""
    for sub in ("p", "a", "b", "c", "d"):
        launch(
            client,
            platform_key,
            "facilitator" if sub == "p" else "student",
            sub=sub,
            name=sub.upper(),
        )
    with app.app_context():
        from lti_tool.activities.services import ActivityConfig, create_activity
        from lti_tool.models import Context

        ctx = db.session.scalars(select(Context)).one()
        prof = db.session.scalars(select(Person).where(Person.sub == "p")).one()
        activity = create_activity(
            ctx,
            ActivityConfig(kind="feedback_rounds", title="FR", points=10),
            created_by=prof,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        svc.set_direct_rubric(
            activity,
            prof,
            [
                svc.CriterionInput("Argument", "", ("0", "1", "2", "3")),
                svc.CriterionInput("Evidence", "", ("0", "1", "2")),
            ],
        )
        svc.configure(
            activity,
            prof,
            svc.Settings(
                reviewers_per_submission=3, weight_peer=1, weight_staff=0, weight_reviewing=0
            ),
        )
        db.session.commit()
        yield activity.id
        db.session.remove()


def _people():
    return {p.sub: p for p in db.session.scalars(select(Person))}


def test_median_of_peer_levels_goes_to_the_outbox_once(app, cls):
    activity = db.session.get(Activity, cls)
    ppl = _people()
    for s in "abcd":
        svc.submit(activity, ppl[s], body="work " + s)
    svc.advance_phase(activity, ppl["p"])
    crit = svc.criteria_of(activity)
    a_sub = svc.submission_of(activity, ppl["a"].id, 1)
    levels = {"b": (3, 2), "c": (1, 2), "d": (2, 0)}
    for alloc in db.session.scalars(select(FeedbackAllocation)):
        who = next(k for k, v in ppl.items() if v.id == alloc.reviewer_id)
        lv = levels.get(who, (0, 0)) if alloc.submission_id == a_sub.id else (0, 0)
        save_review(
            activity,
            ppl[who],
            alloc,
            ReviewInput({crit[0].id: lv[0], crit[1].id: lv[1]}, {crit[0].id: "ok"}, "", True),
        )
    db.session.commit()
    svc.advance_phase(activity, ppl["p"])
    scoring.update_scores(activity, ppl["p"], "http://tool")
    db.session.commit()
    row = scoring.scores_of_person(activity, ppl["a"].id)
    # Argument median of 3/3, 1/3, 2/3 = 2/3; Evidence median of 1, 1, 0 = 1 -> mean 5/6
    assert row.computed == pytest.approx(5 / 6)
    outbox = db.session.scalars(
        select(OutboxScore).where(OutboxScore.person_id == ppl["a"].id)
    ).one()
    assert outbox.score_given == pytest.approx(8.33)
    assert "Reviewer 1" in outbox.comment or outbox.comment  # artifact summary and link
    version = outbox.version
    assert scoring.update_scores(activity, ppl["p"], "http://tool") == 0  # unchanged: not resent
    db.session.commit()
    # contest, then override with a reason: logged and sent
    scoring.contest(activity, ppl["a"], "Too low")
    with pytest.raises(svc.FeedbackError):
        scoring.contest(activity, ppl["a"], "Again")
    with pytest.raises(svc.FeedbackError):
        scoring.resolve(
            activity, ppl["p"], row, keep=False, reason="", override_points=9, tool_base_url="x"
        )
    with pytest.raises(svc.FeedbackError):
        scoring.resolve(
            activity, ppl["p"], row, keep=False, reason="r", override_points=11, tool_base_url="x"
        )
    scoring.resolve(
        activity,
        ppl["p"],
        row,
        keep=False,
        reason="Regraded",
        override_points=9,
        tool_base_url="http://tool",
    )
    db.session.commit()
    assert row.final == pytest.approx(0.9) and row.contest_status == "overridden"
    outbox = db.session.scalars(
        select(OutboxScore).where(OutboxScore.person_id == ppl["a"].id)
    ).one()
    assert outbox.score_given == 9 and outbox.version == version + 1
    assert db.session.scalars(select(Event).where(Event.verb == "feedback.score_overridden")).one()
    # a recompute never undoes the override
    scoring.update_scores(activity, ppl["p"], "http://tool")
    assert row.final == pytest.approx(0.9)
    # keep: contest closed with the reason, score unchanged
    scoring.contest(activity, ppl["a"], "Still")
    scoring.resolve(
        activity, ppl["p"], row, keep=True, reason="Fair", override_points=None, tool_base_url="x"
    )
    assert row.contest_status == "kept" and row.final == pytest.approx(0.9)
