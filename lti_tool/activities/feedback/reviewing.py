"""Reviews (drafts and submitted), the author's responses, staff endorsements, revision plans,
and the names each viewer may see under the activity's anonymity mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.feedback import extensions as feedback_extensions
from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback.rules import thousands
from lti_tool.activities.feedback.services import (
    MAX_COMMENT,
    FeedbackError,
    config_of,
    criteria_for_round,
)
from lti_tool.activities.services import lock_row
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Goal, GoalVersion, Person, Role, utcnow
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackReview,
    FeedbackRevisionPlan,
    FeedbackSubmission,
)
from lti_tool.wording import anonymous_labels

MAX_PLAN = 4_000


# -- who may see whose name --------------------------------------------------------------------


def shows_reviewer_names(config: FeedbackConfig, viewer_role: Role) -> bool:
    return viewer_role != Role.STUDENT or config.anonymity == "open"


def shows_author_names(config: FeedbackConfig, viewer_role: Role) -> bool:
    return viewer_role != Role.STUDENT or config.anonymity in ("open", "single_blind")


def reviewer_label(
    config: FeedbackConfig, viewer_role: Role, alloc: FeedbackAllocation, number: int
) -> str:
    if alloc.kind == "self":
        return str(_l("Self-review"))
    if shows_reviewer_names(config, viewer_role):
        name = alloc.reviewer.display_name
        return str(_l("%(name)s (staff)", name=name)) if alloc.kind == "staff" else name
    if alloc.kind == "staff":
        return str(_l("Course staff"))
    return str(_l("Reviewer %(number)d", number=number))


def author_label(
    config: FeedbackConfig,
    viewer_role: Role,
    sub: FeedbackSubmission,
    *,
    reviewer_id: int,
    secret: str,
) -> str:
    """The author's name, or (anonymous to this viewer) "Work B": a letter of this reviewer's
    own, stable on every visit, drawn from a keyed hash (wording.anonymous_labels). Never the
    database id: "Submission 2", then "Submission 5-8" told reviewers who submitted first."""
    if shows_author_names(config, viewer_role):
        return sub.person.display_name
    assigned = db.session.scalars(
        select(FeedbackAllocation.submission_id).where(
            FeedbackAllocation.activity_id == sub.activity_id,
            FeedbackAllocation.reviewer_id == reviewer_id,
        )
    ).all()
    letters = anonymous_labels(
        secret, f"feedback:{sub.activity_id}:reviewer:{reviewer_id}", [*assigned, sub.id]
    )
    return str(_l("Work %(letter)s", letter=letters[sub.id]))


# -- reviews -------------------------------------------------------------------------------


def review_of(alloc: FeedbackAllocation) -> FeedbackReview | None:
    return db.session.scalars(
        select(FeedbackReview).where(FeedbackReview.allocation_id == alloc.id)
    ).first()


def comments_of(review: FeedbackReview) -> dict[int, FeedbackComment]:
    return {
        c.criterion_id: c
        for c in db.session.scalars(
            select(FeedbackComment).where(FeedbackComment.review_id == review.id)
        )
    }


def _may_review_now(activity: Activity, config: FeedbackConfig, alloc: FeedbackAllocation) -> bool:
    if alloc.kind == "staff":
        return alloc.round <= config.current_round
    if alloc.round != config.current_round or config.current_phase == "submit":
        return False
    if config.current_phase == "review":
        return True
    # Past the review phase: a reviewer with their own extension, or a review of work that
    # came in under an extension (its reviewers had no review phase for it), still counts.
    today = utcnow().date()
    return feedback_extensions.may_review_late(
        activity, alloc.reviewer_id, alloc.round, today
    ) or feedback_extensions.submitted_under_extension(activity, alloc.submission, today)


@dataclass(frozen=True)
class ReviewInput:
    levels: Mapping[int, int | None]  # criterion id -> level index
    comments: Mapping[int, str]
    overall: str
    submit: bool


def save_review(
    activity: Activity, reviewer: Person, alloc: FeedbackAllocation, data: ReviewInput
) -> FeedbackReview:
    """Save a draft, or submit; a submitted review no longer changes."""
    if alloc.reviewer_id != reviewer.id or alloc.activity_id != activity.id:
        raise FeedbackError("REVIEW_NOT_FOUND", _l("This review is not allocated to you."), 404)
    config = config_of(activity)
    # Parallel submits of one review inserted it twice (a 500): they now queue on the
    # allocation, and a phase move waits for them (and they for it) on the config row.
    lock_row(config, shared=True)
    lock_row(alloc)
    if not _may_review_now(activity, config, alloc):
        raise FeedbackError("PHASE_CLOSED", _l("Reviews for this round are closed."), 409)
    review = review_of(alloc)
    if review is not None and review.submitted_at is not None:
        raise FeedbackError("REVIEW_SUBMITTED", _l("This review was already submitted."), 409)
    # The criteria of the allocation's round: a staff review of round 1's work written in round
    # 2, after a revised rubric was adopted, is still on the rubric round 1 was assessed with.
    criteria = {c.id: c for c in criteria_for_round(activity, alloc.round)}
    if set(data.levels) - set(criteria) or set(data.comments) - set(criteria):
        raise FeedbackError("FEEDBACK_REFUSED", _l("That criterion is not in this rubric."))
    for cid, level in data.levels.items():
        if level is not None and not 0 <= level < len(criteria[cid].levels):
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l(
                    "%(criterion)s: that level is not in the rubric.", criterion=criteria[cid].title
                ),
            )
    if len(data.overall) > MAX_COMMENT or any(len(t) > MAX_COMMENT for t in data.comments.values()):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Comments are limited to %(count)s characters.", count=thousands(MAX_COMMENT)),
        )
    if data.submit:
        missing = [c.title for cid, c in criteria.items() if data.levels.get(cid) is None]
        if missing:
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("Choose a level for every criterion: %(missing)s.", missing=", ".join(missing)),
            )
        if not data.overall.strip() and not any(t.strip() for t in data.comments.values()):
            raise FeedbackError(
                "FEEDBACK_REFUSED", _l("Write at least one comment before submitting the review.")
            )
    if review is None:
        review = FeedbackReview(activity_id=activity.id, allocation_id=alloc.id)
        db.session.add(review)
        db.session.flush()
    review.overall = data.overall.strip()
    existing = comments_of(review)
    for cid in criteria:
        row = existing.get(cid)
        if row is None:
            row = FeedbackComment(activity_id=activity.id, review_id=review.id, criterion_id=cid)
            db.session.add(row)
        row.level = data.levels.get(cid)
        row.comment = data.comments.get(cid, "").strip()
    if data.submit:
        review.submitted_at = utcnow()
    record_event(
        reviewer,
        "feedback.review_submitted" if data.submit else "feedback.review_drafted",
        "review",
        review.id,
        activity=activity,
        round=alloc.round,
    )
    return review


def review_in(activity: Activity, review_id: int) -> FeedbackReview:
    """The review, only in this activity (a 404 FeedbackError otherwise)."""
    return scoped_get(
        FeedbackReview,
        review_id,
        activity_id=activity.id,
        error=FeedbackError,
        code="REVIEW_NOT_FOUND",
        message=_l("That review is not one you received."),
    )


def respond(
    activity: Activity,
    author: Person,
    review: FeedbackReview,
    helpfulness: int | None,
    responses: Mapping[int, tuple[str, str]],
) -> FeedbackReview:
    """The author rates a review (1–5) and answers its comments: act, or won't because …"""
    sub = review.allocation.submission
    # With one submission per group, any member answers the reviews of the group's work.
    if sub.person_id not in lms_groups.authors_of(activity, author.id, sub.round) or (
        review.submitted_at is None
    ):
        raise FeedbackError("REVIEW_NOT_FOUND", _l("That review is not one you received."), 404)
    if review.allocation.kind == "self":
        raise FeedbackError("FEEDBACK_REFUSED", _l("A self-review needs no response."), 409)
    config = config_of(activity)
    lock_row(config, shared=True)
    lock_row(review)
    if review.allocation.round == config.current_round and config.current_phase not in (
        "respond",
        "revise",
    ):
        raise FeedbackError("PHASE_CLOSED", _l("Responses open with the respond phase."), 409)
    if helpfulness is not None and not 1 <= helpfulness <= 5:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Helpfulness is from 1 to 5."))
    comments = {c.id: c for c in comments_of(review).values()}
    if set(responses) - set(comments):
        raise FeedbackError("FEEDBACK_REFUSED", _l("That comment is not part of this review."), 404)
    for answer, reason in responses.values():
        if answer not in ("act", "wont", ""):
            raise FeedbackError(
                "FEEDBACK_REFUSED", _l("Answer with 'will act on' or 'won't, because …'.")
            )
        if answer == "wont" and not reason.strip():
            raise FeedbackError("FEEDBACK_REFUSED", _l("Say why you won't act on a comment."))
        if len(reason) > MAX_COMMENT:
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("Reasons are limited to %(count)s characters.", count=thousands(MAX_COMMENT)),
            )
    review.helpfulness = helpfulness
    for cid, (answer, reason) in responses.items():
        comments[cid].response = answer or None
        comments[cid].response_reason = reason.strip() if answer == "wont" else ""
    record_event(
        author,
        "feedback.responded",
        "review",
        review.id,
        activity=activity,
        helpfulness=helpfulness,
    )
    return review


def endorse(activity: Activity, by: Person, role: Role, comment_id: int) -> FeedbackComment:
    """A facilitator or coach backs a peer comment; endorsing again withdraws it."""
    comment = db.session.scalars(
        select(FeedbackComment).where(
            FeedbackComment.id == comment_id, FeedbackComment.activity_id == activity.id
        )
    ).first()
    if comment is None:
        raise FeedbackError("COMMENT_NOT_FOUND", _l("That comment is not in this activity."), 404)
    lock_row(comment)  # endorse and withdraw are a toggle: two at once must not both read one state
    review = db.session.get(FeedbackReview, comment.review_id)
    if review is None or review.submitted_at is None or review.allocation.kind != "peer":
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Only submitted peer comments can be endorsed."), 409
        )
    if comment.endorsed_by_id is not None:
        comment.endorsed_by_id, comment.endorsed_role = None, None
        verb = "feedback.endorsement_withdrawn"
    else:
        comment.endorsed_by_id, comment.endorsed_role = by.id, role.value
        verb = "feedback.endorsed"
    record_event(by, verb, "comment", comment.id, activity=activity)
    return comment


# -- revision plans ----------------------------------------------------------------------------


def plan_of(activity: Activity, person_id: int, round_no: int) -> FeedbackRevisionPlan | None:
    return db.session.scalars(
        select(FeedbackRevisionPlan).where(
            FeedbackRevisionPlan.activity_id == activity.id,
            FeedbackRevisionPlan.person_id == person_id,
            FeedbackRevisionPlan.round == round_no,
        )
    ).first()


def goals_of(activity: Activity, person_id: int) -> list[tuple[int, str]]:
    """(goal id, its newest wording) of the person's goals in this course's goal-setting
    activities, which a revision plan may link to."""
    rows = db.session.execute(
        select(Goal.id, GoalVersion.what, GoalVersion.number)
        .join(Activity, Activity.id == Goal.activity_id)
        .join(GoalVersion, GoalVersion.goal_id == Goal.id)
        .where(Activity.context_id == activity.context_id, Goal.person_id == person_id)
        .order_by(Goal.id, GoalVersion.number)
    )
    newest: dict[int, str] = {}
    for goal_id, what, _ in rows:
        newest[goal_id] = what
    return list(newest.items())


def save_plan(
    activity: Activity,
    author: Person,
    plan: str,
    comment_ids: list[int],
    goal_ids: list[int] | None = None,
) -> FeedbackRevisionPlan:
    config = config_of(activity)
    lock_row(config, shared=True)
    lock_row(author)  # one plan per person and round: two tabs queue instead of both inserting
    if config.current_phase not in ("respond", "revise"):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Revision plans are written in the respond and revise phases."),
            409,
        )
    plan = plan.strip()
    if not plan:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Write the plan first."))
    if len(plan) > MAX_PLAN:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("A plan is limited to %(count)s characters.", count=thousands(MAX_PLAN)),
        )
    received = set(
        db.session.scalars(
            select(FeedbackComment.id)
            .join(FeedbackReview, FeedbackReview.id == FeedbackComment.review_id)
            .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
            .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
            .where(
                FeedbackComment.activity_id == activity.id,
                FeedbackSubmission.person_id.in_(
                    lms_groups.authors_of(activity, author.id, config.current_round)
                ),
                FeedbackSubmission.round == config.current_round,
            )
        )
    )
    if set(comment_ids) - received:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("A plan links only to comments you received."), 404
        )
    goal_ids = goal_ids or []
    if set(goal_ids) - {g for g, _ in goals_of(activity, author.id)}:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("A plan links only to your own goals in this course."), 404
        )
    row = plan_of(activity, author.id, config.current_round)
    if row is None:
        row = FeedbackRevisionPlan(
            activity_id=activity.id, person_id=author.id, round=config.current_round
        )
        db.session.add(row)
    row.plan, row.comment_ids = plan, sorted(set(comment_ids))
    row.goal_ids = sorted(set(goal_ids))
    db.session.flush()
    record_event(author, "feedback.plan_saved", "plan", row.id, activity=activity, round=row.round)
    return row
