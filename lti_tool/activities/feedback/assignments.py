"""Who reviews which submission: allocating a round (the pure rule is `allocation`), late
authors, groups, manual assignment and swaps, staff reviews."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback.configuration import config_of
from lti_tool.activities.feedback.extensions import late_reviewer_pairs
from lti_tool.activities.feedback.rules import FeedbackError, is_student, students_of
from lti_tool.activities.feedback.submissions import submissions_of_round
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackConfig,
    FeedbackReview,
    FeedbackSubmission,
)


def _peer_pairs(activity: Activity, round_no: int) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(FeedbackSubmission.person_id, FeedbackAllocation.reviewer_id)
        .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
        .where(
            FeedbackAllocation.activity_id == activity.id,
            FeedbackAllocation.round == round_no,
            FeedbackAllocation.kind == "peer",
        )
    )
    return [(a, r) for a, r in rows]


def allocate_round(activity: Activity, config: FeedbackConfig) -> int:
    """Allocate this round's on-time submissions (manual mode allocates nothing)."""
    round_no = config.current_round
    everyone = submissions_of_round(activity, round_no)
    # When nobody made the deadline, everyone is allocated as if on time (else nobody reviews).
    subs = [s for s in everyone if not s.late] or everyone
    by_author = {s.person_id: s for s in subs}
    authors = list(by_author)
    # LMS groups or sections (frozen for the round here), else the typed groups.
    rules = lms_groups.rules_for_round(activity, config, round_no, _groups(config, subs))
    reviewers = lms_groups.reviewers_for(activity, round_no, rules, authors)
    pairs: list[tuple[int, int]] = []
    if config.allocation != "manual":
        previous = _peer_pairs(activity, round_no - 1) if round_no > 1 else []
        kept = [(a, r) for a, r in previous if a in by_author and r in reviewers]
        if not config.reshuffle and kept:
            # The same reviewers as last round where both are still here; newcomers are added.
            pairs = kept + lms_groups.add_late(
                kept,
                [a for a in authors if a not in {p[0] for p in kept}],
                reviewers,
                config.reviewers_per_submission,
                config.seed + round_no,
                rules,
            )
        else:
            pairs = lms_groups.allocate(
                authors, reviewers, config.reviewers_per_submission, config.seed + round_no, rules
            )
    for author, reviewer in pairs:
        _add_allocation(activity, by_author[author], reviewer, "peer")
    if config.self_review:
        for sub in subs:
            _add_allocation(activity, sub, sub.person_id, "self")
    db.session.flush()
    # Work that came in after the deadline but before review started is reviewed too, by the
    # least-loaded reviewers, without moving anyone else's reviews.
    for sub in everyone:
        if sub.late and sub not in subs:
            allocate_late(activity, config, sub)
    db.session.flush()
    return len(pairs)


def allocate_late(activity: Activity, config: FeedbackConfig, sub: FeedbackSubmission) -> None:
    if config.allocation == "manual":
        return
    existing = _peer_pairs(activity, sub.round)
    everyone = submissions_of_round(activity, sub.round)
    # The round's reviewers: those on time, and those already reviewing (everyone, when nobody
    # made the deadline).
    reviewers = sorted({s.person_id for s in everyone if not s.late} | {r for _, r in existing})
    rules = lms_groups.rules_for_round(activity, config, sub.round, _groups(config, everyone))
    for _, reviewer in lms_groups.add_late(
        existing, [sub.person_id], reviewers, config.reviewers_per_submission, config.seed, rules
    ):
        _add_allocation(activity, sub, reviewer, "peer")
    if config.self_review:
        _add_allocation(activity, sub, sub.person_id, "self")


def allocate_extended(activity: Activity, config: FeedbackConfig, sub: FeedbackSubmission) -> None:
    """A student who submitted after allocation under an extension reviews too: up to k of
    the round's authors with the fewest reviewers, without moving anyone's reviews
    (feedback.extensions.late_reviewer_pairs)."""
    if config.allocation == "manual":
        return
    everyone = submissions_of_round(activity, sub.round)
    by_author = {s.person_id: s for s in everyone}
    groups = _groups(config, everyone)
    for author, reviewer in late_reviewer_pairs(
        _peer_pairs(activity, sub.round),
        sub.person_id,
        sorted(by_author),
        config.reviewers_per_submission,
        config.seed + sub.round,
        groups,
    ):
        _add_allocation(activity, by_author[author], reviewer, "peer")


def _groups(config: FeedbackConfig, subs: list[FeedbackSubmission]) -> dict[int, str | None]:
    if config.allocation != "groups":
        return {}
    # The groups as they stand when reviewers are allocated (set after some submitted, too).
    return {s.person_id: (config.groups or {}).get(str(s.person_id)) for s in subs}


def set_groups(activity: Activity, by: Person, groups: dict[int, str]) -> None:
    """Who is in which group (person id -> label); only students of this course."""
    students = {p.id for p in students_of(activity)}
    if set(groups) - students:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Groups take only students of this course."), 404
        )
    if any(not label.strip() or len(label) > 200 for label in groups.values()):
        raise FeedbackError("FEEDBACK_REFUSED", _l("Group names are 1 to 200 characters."))
    config_of(activity).groups = {str(k): v.strip() for k, v in groups.items()}
    record_event(
        by, "feedback.groups_set", "activity", activity.id, activity=activity, size=len(groups)
    )


def _add_allocation(
    activity: Activity, sub: FeedbackSubmission, reviewer_id: int, kind: str
) -> FeedbackAllocation:
    row = FeedbackAllocation(
        activity_id=activity.id,
        round=sub.round,
        submission_id=sub.id,
        reviewer_id=reviewer_id,
        kind=kind,
    )
    db.session.add(row)
    return row


def allocation_in(
    activity: Activity,
    allocation_id: int,
    *,
    code: str = "ALLOCATION_NOT_FOUND",
    message: str = _l("That review is not in this activity."),
) -> FeedbackAllocation:
    """The allocation, only in this activity (a 404 FeedbackError otherwise)."""
    return scoped_get(
        FeedbackAllocation,
        allocation_id,
        activity_id=activity.id,
        error=FeedbackError,
        code=code,
        message=message,
    )


def submission_in(
    activity: Activity,
    submission_id: int,
    *,
    code: str = "SUBMISSION_NOT_FOUND",
    message: str = _l("That submission is not in this activity."),
) -> FeedbackSubmission:
    """The submission, only in this activity (a 404 FeedbackError otherwise)."""
    return scoped_get(
        FeedbackSubmission,
        submission_id,
        activity_id=activity.id,
        error=FeedbackError,
        code=code,
        message=message,
    )


def assign_reviewer(
    activity: Activity, by: Person, submission: FeedbackSubmission, reviewer_id: int
) -> FeedbackAllocation:
    """Manual allocation: add a peer reviewer (a student of the course, not the author)."""
    _check_reviewer(activity, submission, reviewer_id)
    row = _add_allocation(activity, submission, reviewer_id, "peer")
    db.session.flush()
    record_event(by, "feedback.reviewer_assigned", "allocation", row.id, activity=activity)
    return row


def swap_reviewer(
    activity: Activity, by: Person, alloc: FeedbackAllocation, reviewer_id: int
) -> FeedbackAllocation:
    """Give a peer review to someone else, before its reviewer has started it."""
    if alloc.kind != "peer":
        raise FeedbackError("FEEDBACK_REFUSED", _l("Only peer reviews can be swapped."), 409)
    started = db.session.scalars(
        select(FeedbackReview.id).where(FeedbackReview.allocation_id == alloc.id)
    ).first()
    if started is not None:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("That review has been started; it cannot move now."), 409
        )
    _check_reviewer(activity, alloc.submission, reviewer_id)
    previous = alloc.reviewer_id
    alloc.reviewer_id = reviewer_id
    record_event(
        by,
        "feedback.reviewer_swapped",
        "allocation",
        alloc.id,
        activity=activity,
        previous=previous,
        reviewer=reviewer_id,
    )
    return alloc


def _check_reviewer(activity: Activity, sub: FeedbackSubmission, reviewer_id: int) -> None:
    if reviewer_id == sub.person_id:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Nobody reviews their own work as a peer."))
    if not is_student(activity, reviewer_id):
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("The reviewer must be a student of this course."), 404
        )
    taken = db.session.scalars(
        select(FeedbackAllocation.id).where(
            FeedbackAllocation.submission_id == sub.id,
            FeedbackAllocation.reviewer_id == reviewer_id,
        )
    ).first()
    if taken is not None:
        raise FeedbackError("FEEDBACK_REFUSED", _l("That student already reviews this work."), 409)


def staff_allocation(activity: Activity, by: Person, sub: FeedbackSubmission) -> FeedbackAllocation:
    """A facilitator's or coach's own review of a submission (made on first use)."""
    if not config_of(activity).staff_review:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Staff reviews are switched off for this activity."), 409
        )
    row = db.session.scalars(
        select(FeedbackAllocation).where(
            FeedbackAllocation.submission_id == sub.id, FeedbackAllocation.reviewer_id == by.id
        )
    ).first()
    if row is None:
        row = _add_allocation(activity, sub, by.id, "staff")
        db.session.flush()
    return row


def reviews_submission(sub: FeedbackSubmission, person_id: int) -> bool:
    """Whether the person is allocated to review this submission (and so may read its file)."""
    return (
        db.session.scalars(
            select(FeedbackAllocation.id).where(
                FeedbackAllocation.submission_id == sub.id,
                FeedbackAllocation.reviewer_id == person_id,
            )
        ).first()
        is not None
    )
