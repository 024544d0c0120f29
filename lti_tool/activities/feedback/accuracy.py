"""Reviewer accuracy, the discrepancy queue and how well each criterion works, from the class's
reviews (ClassData: a fixed number of queries) and the calibration attempts.

    reviewer_table   per reviewer: bias, consistency, flat-lining, weight, against calibration
                     and against peers (staff see names; a student sees only their own row)
    discrepancy_queue  the current round's work whose peers' levels spread by the threshold or
                     more on a criterion, until a facilitator or coach reviewed it (that review
                     counts by the staff weight of the score formula)
    criterion_health agreement, calibration error, helpfulness per criterion; bad ones flagged
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased

from lti_tool.activities.feedback import calibration
from lti_tool.activities.feedback import reliability as rel
from lti_tool.activities.feedback.scoring import (
    ClassData,
    level_fraction,
    load_class,
    reviewer_reports,
    tally_reviews,
)
from lti_tool.activities.feedback.services import config_of
from lti_tool.extensions import db
from lti_tool.models import Activity
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackReview,
    FeedbackSubmission,
)
from lti_tool.models.reliability import FeedbackReliability

# The threshold of an activity that never saved its reliability settings (calibration.settings_of).
DEFAULT_THRESHOLD = 2


@dataclass(frozen=True)
class QueueItem:
    submission_id: int
    person_id: int
    criteria: list[str]  # titles of the criteria that spread
    spread: int  # the widest spread, in levels


def reports_of(activity: Activity, data: ClassData | None = None) -> rel.Reports:
    data = data or load_class(activity)
    return reviewer_reports(activity, data, tally_reviews(data).levels)


def reviewer_table(activity: Activity, data: ClassData | None = None) -> dict[int, dict[str, Any]]:
    """Per reviewer id: overall, per source (calibration, peer) and per criterion figures, as
    plain dicts for the templates (fractions of the scale)."""
    data = data or load_class(activity)
    titles = {c.id: c.title for c in data.criteria}
    out: dict[int, dict[str, Any]] = {}
    for reviewer, report in reports_of(activity, data).items():
        out[reviewer] = {
            "overall": report.overall.as_dict(),
            "sources": {k: v.as_dict() for k, v in report.by_source.items()},
            "criteria": [
                {"criterion": titles.get(cid, "?"), **acc.as_dict()}
                for cid, acc in report.by_criterion.items()
            ],
        }
    return out


def discrepancy_queue(activity: Activity, data: ClassData | None = None) -> list[QueueItem]:
    data = data or load_class(activity)
    threshold = calibration.settings_of(activity).discrepancy_threshold
    if threshold < 1:
        return []
    round_no = config_of(activity).current_round
    subs = {s.id: s for s in data.submissions if s.round == round_no}
    titles = {c.id: c.title for c in data.criteria}
    levels: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    staff_reviewed: set[int] = set()
    for alloc in data.allocations:
        review = data.reviews.get(alloc.id)
        if alloc.submission_id not in subs or review is None or review.submitted_at is None:
            continue
        if alloc.kind == "staff":
            staff_reviewed.add(alloc.submission_id)
            continue
        if alloc.kind != "peer":
            continue
        for c in data.comments.get(review.id, []):
            if c.level is not None and c.criterion_id in titles:
                levels[alloc.submission_id][c.criterion_id].append(c.level)
    queue = []
    for sub_id in sorted(levels):
        if sub_id in staff_reviewed:
            continue
        wide = rel.discrepant(levels[sub_id], threshold)
        if wide:
            queue.append(
                QueueItem(
                    sub_id,
                    subs[sub_id].person_id,
                    [titles[c] for c in wide],
                    max(rel.spread_in_levels(levels[sub_id][c]) for c in wide),
                )
            )
    return queue


def queue_counts(activity: Activity) -> dict[str, int]:
    """For the staff dashboard: work waiting in the queue, counted in SQL (the dashboard of a
    class of thousands must not load every review to show one number)."""
    row = db.session.execute(
        discrepancy_sizes(select(Activity.id).where(Activity.id == activity.id))
    ).first()
    return {"waiting": int(row[1]) if row else 0}


def staff_reviewed(submission_id: Any) -> Any:
    """A submitted staff review of the submission exists (its own aliases: the queries it is
    used in join the same tables for the peer reviews)."""
    allocation, review = aliased(FeedbackAllocation), aliased(FeedbackReview)
    return exists(
        select(allocation.id)
        .join(review, review.allocation_id == allocation.id)
        .where(
            allocation.submission_id == submission_id,
            allocation.kind == "staff",
            review.submitted_at.is_not(None),
        )
    )


def discrepancy_sizes(ids: Select[Any]) -> Select[int, int]:
    """Per activity of `ids`, the discrepancy queue's size in SQL (discrepancy_queue's rule):
    current-round submissions without a staff review whose peers' levels on some criterion
    spread by at least the activity's threshold (0 turns the queue off).

    The peers' levels are grouped first, from the comments, reviews and allocations alone (hash
    joins over the class); the round, the threshold and staff reviews are then checked on the
    groups that spread at all. Joined the other way, PostgreSQL guessed few current-round
    submissions and read a big class's comments one index lookup at a time."""
    spread = func.max(FeedbackComment.level) - func.min(FeedbackComment.level)
    groups = (
        select(
            FeedbackAllocation.activity_id,
            FeedbackAllocation.submission_id,
            spread.label("spread"),
        )
        .join(FeedbackReview, FeedbackReview.id == FeedbackComment.review_id)
        .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
        .where(
            FeedbackComment.activity_id.in_(ids),
            FeedbackAllocation.kind == "peer",
            FeedbackReview.submitted_at.is_not(None),
            FeedbackComment.level.is_not(None),
        )
        .group_by(
            FeedbackAllocation.activity_id,
            FeedbackAllocation.submission_id,
            FeedbackComment.criterion_id,
        )
        .having(func.count(FeedbackComment.level) >= 2, spread >= 1)
        .subquery("groups")
    )
    threshold = func.coalesce(FeedbackReliability.discrepancy_threshold, DEFAULT_THRESHOLD)
    return (
        select(groups.c.activity_id, func.count(func.distinct(groups.c.submission_id)))
        .join(FeedbackSubmission, FeedbackSubmission.id == groups.c.submission_id)
        .join(
            FeedbackConfig,
            and_(
                FeedbackConfig.activity_id == FeedbackSubmission.activity_id,
                FeedbackConfig.current_round == FeedbackSubmission.round,
            ),
        )
        .outerjoin(
            FeedbackReliability,
            FeedbackReliability.activity_id == FeedbackSubmission.activity_id,
        )
        .where(
            threshold >= 1,
            groups.c.spread >= threshold,
            ~staff_reviewed(FeedbackSubmission.id),
        )
        .group_by(groups.c.activity_id)
    )


def criterion_health(
    activity: Activity, data: ClassData | None = None
) -> list[rel.CriterionHealth]:
    data = data or load_class(activity)
    tally = tally_reviews(data)
    by_id = {c.id: c for c in data.criteria}
    exemplars = [
        (p, cid, level_fraction(by_id[cid], mine), level_fraction(by_id[cid], theirs))
        for p, cid, mine, theirs in calibration.calibration_levels(activity)
        if cid in by_id and max(mine, theirs) < len(by_id[cid].levels)
    ]
    per_criterion: dict[int, list[rel.Observation]] = defaultdict(list)
    for observations in rel.observations_of(
        {
            (sub_id, cid): kinds.get("peer", [])
            for sub_id, per in tally.levels.items()
            for cid, kinds in per.items()
        },
        exemplars,
    ).values():
        for o in observations:
            per_criterion[o.criterion].append(o)
    answers: dict[int, list[bool]] = defaultdict(list)
    for alloc in data.allocations:
        review = data.reviews.get(alloc.id)
        if alloc.kind != "peer" or review is None or review.submitted_at is None:
            continue
        for c in data.comments.get(review.id, []):
            if c.response in ("act", "wont"):
                answers[c.criterion_id].append(c.response == "act")
    # The criteria in use now (a retired one has no next round to revise it for).
    return [
        rel.criterion_health(c.id, per_criterion[c.id], answers[c.id])
        for c in data.criteria
        if c.retired_in_round is None
    ]
