"""Scores from the reviews (the formula is grading.feedback), sent through the outbox when they
change, with the artifact; contests and overrides.

The whole class is computed from a handful of queries, whatever its size.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lti_tool.activities.feedback import calibration, team_evaluation
from lti_tool.activities.feedback import extensions as feedback_extensions
from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback import reliability as rel
from lti_tool.activities.feedback.configuration import all_criteria_of, applies_in
from lti_tool.activities.feedback.rules import thousands
from lti_tool.activities.feedback.services import (
    MAX_COMMENT,
    FeedbackError,
    config_of,
)
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.grading import ArtifactContent, ScoreChange, record_score
from lti_tool.grading import feedback as formula
from lti_tool.grading.lms_text import lms_language, speaking
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackComment,
    FeedbackCriterion,
    FeedbackReview,
    FeedbackRevisionPlan,
    FeedbackScore,
    FeedbackSubmission,
)
from lti_tool.wording import number


def level_fraction(criterion: FeedbackCriterion, level: int) -> float:
    points = [float(lv.get("points", i)) for i, lv in enumerate(criterion.levels)]
    top, low = max(points), min(points)
    if top == low:
        return level / (len(points) - 1) if len(points) > 1 else 1.0
    return (points[level] - low) / (top - low)


@dataclass
class ClassData:
    """Everything the scores and reports need, loaded in a fixed number of queries."""

    criteria: list[FeedbackCriterion]
    submissions: list[FeedbackSubmission]
    allocations: list[FeedbackAllocation]
    reviews: dict[int, FeedbackReview]  # by allocation id
    comments: dict[int, list[FeedbackComment]] = field(default_factory=dict)  # by review id


def load_class(activity: Activity) -> ClassData:
    aid = activity.id
    # Retired criteria too: a round assessed with an earlier rubric version keeps its levels.
    criteria = all_criteria_of(activity)
    subs = list(
        db.session.scalars(
            select(FeedbackSubmission)
            .where(FeedbackSubmission.activity_id == aid)
            .order_by(FeedbackSubmission.id)
        )
    )
    allocs = list(
        db.session.scalars(
            select(FeedbackAllocation)
            .where(FeedbackAllocation.activity_id == aid)
            .order_by(FeedbackAllocation.id)
        )
    )
    reviews = {
        r.allocation_id: r
        for r in db.session.scalars(select(FeedbackReview).where(FeedbackReview.activity_id == aid))
    }
    comments: dict[int, list[FeedbackComment]] = defaultdict(list)
    for c in db.session.scalars(
        select(FeedbackComment)
        .where(FeedbackComment.activity_id == aid)
        .order_by(FeedbackComment.id)
    ):
        comments[c.review_id].append(c)
    return ClassData(criteria, subs, allocs, reviews, comments)


# levels[submission][criterion][review kind] -> [(reviewer, fraction of the top level)]
Levels = dict[int, dict[int, dict[str, list[tuple[int, float]]]]]


@dataclass
class ReviewTally:
    """What the submitted reviews say, gathered in one pass over the allocations."""

    levels: Levels
    allocated: dict[int, int]  # peer reviews allocated, by reviewer
    completed: dict[int, int]  # peer reviews submitted, by reviewer
    helpfulness: dict[int, list[int]]  # ratings the authors gave, by reviewer
    endorsed: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # by reviewer


def latest_reviewed(data: ClassData) -> dict[int, FeedbackSubmission]:
    """Each author's work to score: the latest version that has been reviewed (a resubmission
    not yet reviewed does not wipe out the score of the version before it)."""
    reviewed = {
        a.submission_id
        for a in data.allocations
        if (r := data.reviews.get(a.id)) is not None and r.submitted_at is not None
    }
    latest: dict[int, FeedbackSubmission] = {}
    for sub in data.submissions:
        best = latest.get(sub.person_id)
        if best is None or (sub.id in reviewed, sub.round) > (best.id in reviewed, best.round):
            latest[sub.person_id] = sub
    return latest


def tally_reviews(data: ClassData) -> ReviewTally:
    by_id = {c.id: c for c in data.criteria}
    tally = ReviewTally(
        levels=defaultdict(lambda: defaultdict(lambda: defaultdict(list))),
        allocated=defaultdict(int),
        completed=defaultdict(int),
        helpfulness=defaultdict(list),
    )
    for alloc in data.allocations:
        review = data.reviews.get(alloc.id)
        if alloc.kind == "peer":
            tally.allocated[alloc.reviewer_id] += 1
        if review is None or review.submitted_at is None:
            continue
        if alloc.kind == "peer":
            tally.completed[alloc.reviewer_id] += 1
            if review.helpfulness is not None:
                tally.helpfulness[alloc.reviewer_id].append(review.helpfulness)
        for c in data.comments.get(review.id, []):
            if alloc.kind == "peer" and c.endorsed_by_id is not None:
                tally.endorsed[alloc.reviewer_id] += 1
            if c.level is not None and c.criterion_id in by_id:
                value = level_fraction(by_id[c.criterion_id], c.level)
                tally.levels[alloc.submission_id][c.criterion_id][alloc.kind].append(
                    (alloc.reviewer_id, value)
                )
    return tally


def agreement_distances(levels: Levels) -> dict[int, list[float]]:
    """Per reviewer: how far each of their levels is from the other peers' median."""
    distances: dict[int, list[float]] = defaultdict(list)
    for per_criterion in levels.values():
        for kinds in per_criterion.values():
            peers = kinds.get("peer", [])
            for reviewer, value in peers:
                others = [v for r, v in peers if r != reviewer]
                if others:
                    distances[reviewer].append(abs(value - statistics.median(others)))
    return distances


def reviewer_reports(activity: Activity, data: ClassData, levels: Levels) -> rel.Reports:
    """Every reviewer's accuracy: against the facilitator on the calibration exemplars and
    against the other peers on the same work (activities.feedback.reliability)."""
    by_id = {c.id: c for c in data.criteria}
    exemplars = [
        (person, cid, level_fraction(by_id[cid], mine), level_fraction(by_id[cid], theirs))
        for person, cid, mine, theirs in calibration.calibration_levels(activity)
        if cid in by_id
        and 0 <= mine < len(by_id[cid].levels)
        and 0 <= theirs < len(by_id[cid].levels)
    ]
    peers = {
        (sub_id, cid): kinds.get("peer", [])
        for sub_id, per_criterion in levels.items()
        for cid, kinds in per_criterion.items()
    }
    return rel.reviewer_weights(peers, exemplars)


def criterion_inputs(
    data: ClassData,
    levels: Levels,
    sub: FeedbackSubmission | None,
    reports: rel.Reports | None = None,
) -> list[formula.CriterionInput]:
    """The formula's input for one piece of work: per criterion, the peer, self and staff
    levels it received (none when the author submitted nothing), and under the weighted method
    each peer's weight and adjustment."""
    if sub is None:
        return []
    items = []
    for c in data.criteria:
        if not applies_in(c, sub.round):
            continue
        kinds = levels[sub.id][c.id]
        selfs = [v for _, v in kinds.get("self", [])]
        staff = [v for _, v in kinds.get("staff", [])]
        peers = kinds.get("peer", [])
        accuracy = [rel.accuracy_in(reports, r) for r, _ in peers] if reports is not None else []
        items.append(
            formula.CriterionInput(
                criterion_id=c.id,
                weight=c.weight,
                peer=[v for _, v in peers],
                self_=selfs[0] if selfs else None,
                staff=sum(staff) / len(staff) if staff else None,
                peer_weights=[a.weight for a in accuracy],
                peer_adjustments=[a.adjustment for a in accuracy],
            )
        )
    return items


def numbered_weights(
    data: ClassData, sub: FeedbackSubmission | None, reports: rel.Reports
) -> list[dict[str, object]]:
    """The work's peer reviewers as the author sees them (Reviewer 1, 2, … in allocation order,
    the numbering of the reviews on their page), each with their weight: never a name."""
    if sub is None:
        return []
    out: list[dict[str, object]] = []
    number = 0
    for alloc in data.allocations:
        if alloc.submission_id != sub.id or alloc.kind != "peer":
            continue
        number += 1
        review = data.reviews.get(alloc.id)
        if review is None or review.submitted_at is None:
            continue
        acc = rel.accuracy_in(reports, alloc.reviewer_id)
        out.append(
            {
                "reviewer": f"Reviewer {number}",
                "weight": round(acc.weight, 3),
                "adjustment": round(acc.adjustment, 3),
                "flat": acc.flat,
            }
        )
    return out


def compute_scores(
    activity: Activity, data: ClassData | None = None
) -> dict[int, formula.Breakdown]:
    """Each author's breakdown, from their latest round's reviews and all their reviewing."""
    config = config_of(activity)
    data = data or load_class(activity)
    weights = formula.Weights(
        config.weight_peer, config.weight_self, config.weight_staff, config.weight_reviewing
    )
    # One submission per group: every member is scored on their group's work.
    latest = lms_groups.share_group_work(activity, latest_reviewed(data))
    tally = tally_reviews(data)
    distances = agreement_distances(tally.levels)
    submitted = {a for a, r in data.reviews.items() if r.submitted_at is not None}
    feedback_extensions.drop_excused_reviewing(
        activity, data.allocations, submitted, tally.allocated, tally.completed
    )
    excused = feedback_extensions.excused_whole(activity)
    trust = calibration.settings_of(activity)
    weighted = config.aggregate == formula.WEIGHTED
    reports = reviewer_reports(activity, data, tally.levels) if weighted else None
    out: dict[int, formula.Breakdown] = {}
    for person in sorted(set(latest) | set(tally.allocated)):
        if person in excused:  # excused from the whole activity: no score at all
            out[person] = formula.Breakdown(reviewing_parts={"excused": None})
            continue
        reviewing = formula.ReviewingInput(
            tally.allocated[person],
            tally.completed[person],
            tally.helpfulness[person],
            distances[person],
            endorsed=tally.endorsed[person],
            endorsement_weight=trust.endorsement_weight,
        )
        out[person] = formula.feedback_score(
            criterion_inputs(data, tally.levels, latest.get(person), reports),
            reviewing,
            weights,
            config.aggregate,
        )
        if reports is not None:
            out[person].reviewer_weights = numbered_weights(data, latest.get(person), reports)
    return team_evaluation.apply_factors(activity, config, out)


def scores_of(activity: Activity) -> dict[int, FeedbackScore]:
    return {
        s.person_id: s
        for s in db.session.scalars(
            select(FeedbackScore)
            .where(FeedbackScore.activity_id == activity.id)
            .options(joinedload(FeedbackScore.person))
        )
    }


def scores_of_person(activity: Activity, person_id: int) -> FeedbackScore | None:
    return db.session.scalars(
        select(FeedbackScore).where(
            FeedbackScore.activity_id == activity.id, FeedbackScore.person_id == person_id
        )
    ).first()


def update_scores(activity: Activity, by: Person | None, tool_base_url: str) -> int:
    """Recompute every score; those whose final value changed go to the outbox. Returns how
    many were queued."""
    data = load_class(activity)
    rows = scores_of(activity)
    queued = 0
    for person_id, breakdown in compute_scores(activity, data).items():
        row = rows.get(person_id)
        if row is None:
            row = FeedbackScore(activity_id=activity.id, person_id=person_id)
            db.session.add(row)
        row.computed = breakdown.total
        row.breakdown = breakdown.as_dict()
        if _send(activity, row, tool_base_url, data):
            queued += 1
    record_event(
        by, "feedback.scores_updated", "activity", activity.id, activity=activity, queued=queued
    )
    return queued


def _send(activity: Activity, row: FeedbackScore, tool_base_url: str, data: ClassData) -> bool:
    final = row.final
    if not activity.graded or final is None or row.sent == final:
        return False
    person = db.session.get(Person, row.person_id)
    assert person is not None
    record_score(
        activity,
        person,
        ScoreChange(
            round(final * activity.points, 2),
            comment=row.override_reason or None,
            artifact=artifact_for_the_lms(activity, person, data),
            # A submission or a revision is new work (a Canvas attempt); a rescore of the same
            # version is not.
            work=_latest_work(data, person.id),
        ),
        tool_base_url=tool_base_url,
    )
    row.sent = final
    return True


def _latest_work(data: ClassData, person_id: int) -> str | None:
    subs = [s for s in data.submissions if s.person_id == person_id]
    if not subs:
        return None
    latest = max(subs, key=lambda s: (s.round, s.submitted_at, s.id))
    return f"{latest.id}@{latest.submitted_at.isoformat()}"


def artifact_for_the_lms(activity: Activity, person: Person, data: ClassData) -> ArtifactContent:
    """The artifact in the platform's language: its summary and link go into the gradebook
    comment, which the course's teacher reads."""
    with speaking(lms_language(activity)):
        return artifact_of(activity, person, data)


def artifact_of(activity: Activity, person: Person, data: ClassData) -> ArtifactContent:
    """The final version with the feedback received and the revision plans. Reviewers are
    numbered, never named: the student and the LMS both see this."""
    subs = sorted((s for s in data.submissions if s.person_id == person.id), key=lambda s: s.round)
    criteria = {c.id: c for c in data.criteria}
    lines: list[str] = []
    final = subs[-1] if subs else None
    if final is not None:
        lines += [str(_l("Final version (round %(round)s)", round=final.round)), "", final.body]
        if final.link:
            lines.append(str(_l("Link: %(link)s", link=final.link)))
        if final.file_key:
            file_name = f"submission-{final.id}.{final.file_ext}"
            lines.append(str(_l("File: %(file)s", file=file_name)))
    for sub in subs:
        number = 0
        for alloc in data.allocations:
            review = data.reviews.get(alloc.id)
            if alloc.submission_id != sub.id or review is None or review.submitted_at is None:
                continue
            number += 1
            who = {"self": _l("Self-review"), "staff": _l("Course staff")}.get(
                alloc.kind, _l("Reviewer %(number)d", number=number)
            )
            lines += ["", str(_l("Round %(round)s feedback: %(who)s", round=sub.round, who=who))]
            for c in data.comments.get(review.id, []):
                crit = criteria.get(c.criterion_id)
                if crit is None or c.level is None:
                    continue
                lines.append(f"- {crit.title}: {crit.levels[c.level]['title']}. {c.comment}")
            if review.overall:
                lines.append(str(_l("Overall: %(overall)s", overall=review.overall)))
    plans = db.session.scalars(
        select(FeedbackRevisionPlan)
        .where(
            FeedbackRevisionPlan.activity_id == activity.id,
            FeedbackRevisionPlan.person_id == person.id,
        )
        .order_by(FeedbackRevisionPlan.round)
    )
    for plan in plans:
        lines += ["", str(_l("Revision plan after round %(round)s", round=plan.round)), plan.plan]
    summary = ngettext(
        "%(num)d version in %(title)s",
        "%(num)d versions in %(title)s",
        len(subs),
        title=activity.title,
    )
    return ArtifactContent(
        title=str(_l("%(title)s: final version", title=activity.title)),
        summary=str(summary),
        body="\n".join(lines),
    )


# -- contests and overrides --------------------------------------------------------------------


def contest(activity: Activity, person: Person, comment: str) -> FeedbackScore:
    row = scores_of_person(activity, person.id)
    comment = comment.strip()
    if row is None or row.final is None:
        raise FeedbackError("FEEDBACK_REFUSED", _l("You have no score to contest yet."), 409)
    if not comment or len(comment) > MAX_COMMENT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Say why, in up to %(count)s characters.", count=thousands(MAX_COMMENT)),
        )
    if row.contest_status == "open":
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Your contest is already with the facilitator."), 409
        )
    row.contest_comment, row.contest_status, row.contest_resolution = comment, "open", ""
    record_event(person, "feedback.contested", "score", row.id, activity=activity)
    return row


def score_in(activity: Activity, score_id: int) -> FeedbackScore:
    """The score row, only in this activity (a 404 FeedbackError otherwise)."""
    return scoped_get(
        FeedbackScore,
        score_id,
        activity_id=activity.id,
        error=FeedbackError,
        code="SCORE_NOT_FOUND",
        message=_l("That score is not in this activity."),
    )


def resolve(
    activity: Activity,
    by: Person,
    row: FeedbackScore,
    *,
    keep: bool,
    reason: str,
    override_points: float | None,
    tool_base_url: str,
) -> FeedbackScore:
    """Keep the score, or override it with a reason; either way the student sees why."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_COMMENT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Give a reason (up to %(count)s characters).", count=thousands(MAX_COMMENT)),
        )
    if keep:
        row.contest_status = "kept" if row.contest_status else None
    else:
        set_override(activity, by, row, override_points, reason)
        row.contest_status = "overridden" if row.contest_status else None
    row.contest_resolution = reason
    record_event(by, "feedback.contest_resolved", "score", row.id, activity=activity, kept=keep)
    _send(activity, row, tool_base_url, load_class(activity))
    if row.contest_status:
        # Answering a student's contest is the facilitator's decision on that one score: it is
        # released to them (and the gradebook) with the answer, even while the class's wait.
        from lti_tool.grading.release import release

        release(activity, person_id=row.person_id)
    return row


def set_override(
    activity: Activity, by: Person, row: FeedbackScore, points: float | None, reason: str
) -> None:
    maximum = activity.points if activity.graded else 1.0
    if points is None or not 0 <= points <= maximum:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("An override is a score from 0 to %(max)s.", max=number(maximum))
        )
    previous = row.final
    row.override = points / maximum
    row.override_reason = reason
    record_event(
        by,
        "feedback.score_overridden",
        "score",
        row.id,
        activity=activity,
        previous=previous,
        override=row.override,
        reason=reason,
    )
