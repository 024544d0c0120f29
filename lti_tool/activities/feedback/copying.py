"""A feedback rounds activity made from last term's (activities.copying): its settings, round
dates moved to the new term, and its criteria. Submissions, allocations, reviews, groups (they
name students) and scores stay behind; the new activity starts at round 1.

A criteria set copied from a co-created rubric follows that rubric into the new course when the
rubric's activity was copied first (its copy's version is used); otherwise the criteria are
kept as this activity's own, so nothing is lost either way."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lti_tool.activities.copying import copied_counterpart
from lti_tool.activities.feedback.configuration import config_of, criteria_of
from lti_tool.activities.feedback.rules import PHASES
from lti_tool.activities.rubrics.versions import latest_version
from lti_tool.extensions import db
from lti_tool.models import Activity, FeedbackConfig, FeedbackCriterion, RubricVersion

SETTINGS = (
    "rounds",
    "reviewers_per_submission",
    "allocation",
    "self_review",
    "staff_review",
    "anonymity",
    "aggregate",
    "weight_peer",
    "weight_self",
    "weight_staff",
    "weight_reviewing",
    "reshuffle",
    "late_policy",
)


def _moved(value: str, days: int) -> str:
    try:
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    except ValueError:
        return value


def copy_feedback(source: Activity, activity: Activity, *, shift_days: int) -> None:
    old = db.session.scalars(
        select(FeedbackConfig).where(FeedbackConfig.activity_id == source.id)
    ).first()
    config = config_of(activity)
    if old is None:
        return
    for name in SETTINGS:
        setattr(config, name, getattr(old, name))
    # Round 1 runs on the dates the facilitator confirmed for the copy (each may have been
    # changed); later rounds move by as many days as its first date did.
    config.round_dates = {
        number: {phase: _moved(day, shift_days) for phase, day in dates.items()}
        for number, dates in (old.round_dates or {}).items()
        if number != "1"
    }
    confirmed = {k: v for k, v in (activity.phase_dates or {}).items() if k in PHASES}
    if confirmed:
        config.round_dates["1"] = confirmed
    config.rubric_source, config.rubric_version_id = "direct", None
    version = _copied_rubric(old, activity)
    if version is not None:
        config.rubric_source, config.rubric_version_id = "cocreated", version.id
        for position, item in enumerate(version.content.get("criteria", [])):
            db.session.add(
                FeedbackCriterion(
                    activity_id=activity.id,
                    position=position,
                    title=str(item.get("title", ""))[:200],
                    description=str(item.get("description", "")),
                    weight=float(item.get("weight", 1.0)),
                    levels=list(item.get("levels", [])),
                    source_criterion_id=item.get("id"),
                )
            )
        return
    for criterion in criteria_of(source):
        db.session.add(
            FeedbackCriterion(
                activity_id=activity.id,
                position=criterion.position,
                title=criterion.title,
                description=criterion.description,
                weight=criterion.weight,
                levels=[dict(level) for level in criterion.levels or []],
            )
        )


def _copied_rubric(old: FeedbackConfig, activity: Activity) -> RubricVersion | None:
    if old.rubric_source != "cocreated" or old.rubric_version_id is None:
        return None
    used = db.session.get(RubricVersion, old.rubric_version_id)
    if used is None:
        return None
    counterpart = copied_counterpart(used.activity_id, activity.context_id)
    return latest_version(counterpart) if counterpart is not None else None
