"""What each page shows, assembled from the services: plain dictionaries the templates read.
Names pass through the anonymity rules here, once, so no template can leak one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.feedback import calibration, team_evaluation
from lti_tool.activities.feedback import extensions as feedback_extensions
from lti_tool.activities.feedback.configuration import criteria_for_round
from lti_tool.activities.feedback.reviewing import (
    author_label,
    comments_of,
    goals_of,
    plan_of,
    reviewer_label,
)
from lti_tool.activities.feedback.scoring import ClassData, load_class, scores_of_person
from lti_tool.activities.feedback.services import config_of, criteria_of, submission_of
from lti_tool.extensions import db
from lti_tool.models import Activity, Person, Role, utcnow
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackReview,
    FeedbackSubmission,
)


@dataclass
class ReviewShown:
    review: FeedbackReview
    label: str
    kind: str
    comments: list[dict[str, Any]] = field(default_factory=list)


def comment_rows(
    review: FeedbackReview, criteria: list[FeedbackCriterion], viewer_role: Role
) -> list[dict[str, Any]]:
    by_criterion = comments_of(review)
    rows = []
    for c in criteria:
        row = by_criterion.get(c.id)
        if row is None:
            continue
        rows.append(
            {
                "id": row.id,
                "criterion": c.title,
                "level": c.levels[row.level]["title"] if row.level is not None else None,
                "comment": row.comment,
                "response": row.response,
                "reason": row.response_reason,
                # Students see that staff endorsed, and in which role: never by whom.
                "endorsed": row.endorsed_role,
            }
        )
    return rows


def reviews_received(
    config: FeedbackConfig,
    sub: FeedbackSubmission,
    criteria: list[FeedbackCriterion],
    viewer_role: Role,
) -> list[ReviewShown]:
    allocs = db.session.scalars(
        select(FeedbackAllocation)
        .where(FeedbackAllocation.submission_id == sub.id)
        .order_by(FeedbackAllocation.id)
    )
    shown, number = [], 0
    for alloc in allocs:
        review = db.session.scalars(
            select(FeedbackReview).where(FeedbackReview.allocation_id == alloc.id)
        ).first()
        if alloc.kind == "peer":
            number += 1
        if review is None or review.submitted_at is None:
            continue
        shown.append(
            ReviewShown(
                review,
                reviewer_label(config, viewer_role, alloc, number),
                alloc.kind,
                comment_rows(review, criteria, viewer_role),
            )
        )
    return shown


def feedback_visible(config: FeedbackConfig, round_no: int) -> bool:
    return round_no < config.current_round or config.current_phase in ("respond", "revise")


def student_page(activity: Activity, person: Person, *, secret: str) -> dict[str, Any]:
    """`secret` (the app's secret key) keys the anonymous letters of the work to review."""
    config = config_of(activity)
    criteria = criteria_of(activity)
    role = Role.STUDENT
    mine = list(
        db.session.scalars(
            select(FeedbackSubmission)
            .where(
                FeedbackSubmission.activity_id == activity.id,
                FeedbackSubmission.person_id == person.id,
            )
            .order_by(FeedbackSubmission.round)
        )
    )
    received = [
        (sub, reviews_received(config, sub, criteria_for_round(activity, sub.round), role))
        for sub in mine
        if feedback_visible(config, sub.round)
    ]
    to_review = []
    written = []
    for alloc in db.session.scalars(
        select(FeedbackAllocation)
        .where(
            FeedbackAllocation.activity_id == activity.id,
            FeedbackAllocation.reviewer_id == person.id,
        )
        .order_by(FeedbackAllocation.round, FeedbackAllocation.id)
    ):
        review = db.session.scalars(
            select(FeedbackReview).where(FeedbackReview.allocation_id == alloc.id)
        ).first()
        label = (
            author_label(config, role, alloc.submission, reviewer_id=person.id, secret=secret)
            if alloc.kind != "self"
            else str(_l("Your own work"))
        )
        state = (
            "not started" if review is None else ("submitted" if review.submitted_at else "draft")
        )
        if alloc.round == config.current_round:
            to_review.append({"alloc": alloc, "label": label, "state": state})
        if review is not None and review.submitted_at is not None and alloc.kind == "peer":
            written.append(
                {
                    "label": label,
                    "alloc_id": alloc.id,
                    "round": alloc.round,
                    "helpfulness": review.helpfulness,
                    "comments": comment_rows(
                        review, criteria_for_round(activity, alloc.round), role
                    ),
                }
            )
    current = submission_of(activity, person.id, config.current_round)
    received_comments = [
        c
        for sub, shown in received
        if sub.round == config.current_round
        for r in shown
        for c in r.comments
    ]
    # Round N+1 starts from round N's work, with the revision plan written for it beside it.
    previous = (
        submission_of(activity, person.id, config.current_round - 1)
        if config.current_round > 1
        else None
    )
    previous_plan = (
        plan_of(activity, person.id, config.current_round - 1) if previous is not None else None
    )
    return {
        "team": team_evaluation.student_panel(activity, person, config.current_round),
        "config": config,
        "criteria": criteria,
        "current": current,
        "previous": previous,
        "previous_plan": previous_plan,
        "next_step": student_next_step(config, current, to_review),
        "mine": mine,
        "received": received,
        "to_review": to_review,
        "written": written,
        "plan": plan_of(activity, person.id, config.current_round),
        "goals": goals_of(activity, person.id),
        "received_comments": received_comments,
        # The student's own last day to submit this round, under an extension.
        "own_due": (
            own_due := feedback_extensions.submit_due(activity, person.id, config.current_round)
        ),
        "own_open": own_due is not None and utcnow().date() <= own_due,
        "trust": calibration.settings_of(activity),
        "calibration_open": calibration.is_open(activity),
        "calibrated": calibration.calibrated(activity, person.id),
        **_own_score(activity, person.id),
    }


def student_next_step(
    config: FeedbackConfig, current: FeedbackSubmission | None, to_review: list[dict[str, Any]]
) -> str:
    """One sentence: the most useful thing for the student to do now."""
    open_reviews = [r for r in to_review if r["state"] != "submitted"]
    phase = config.current_phase
    if phase == "submit":
        if current is None:
            return str(_l("Submit your work for round %(round)s.", round=config.current_round))
        return str(_l("Your work is in. You can replace it until peer review starts."))
    if phase == "review":
        if open_reviews:
            return str(
                ngettext(
                    "Review %(num)d piece of classmates' work, using the rubric below.",
                    "Review %(num)d pieces of classmates' work, using the rubric below.",
                    len(open_reviews),
                )
            )
        return str(_l("Your reviews are in. The reviews of your work open in the next phase."))
    if phase == "respond":
        return str(_l("Read the reviews of your work and answer each comment: will you act on it?"))
    if config.current_round < config.rounds:
        return str(
            _l("Write your revision plan; the next round starts from this version of your work.")
        )
    return str(_l("Write your revision plan. This was the last round."))


def one_decimal(value: float) -> str:
    """A score with one decimal, as the pages always showed it ("9.0"), in the reader's
    locale ("9,0")."""
    return str(format_decimal(round(value, 1), format="0.0", locale=_locale()))


def two_decimals(value: float) -> str:
    """A weight or factor with two decimals ("0.50", "1.20"; "0,50" in French)."""
    return str(format_decimal(round(value, 2), format="0.00", locale=_locale()))


def signed_percent(value: float) -> str:
    """A signed, rounded percentage ("+12%", "-5%"; "+12 %" in French): a bias or an
    adjustment, where the sign is the point."""
    rounded = round(value, 2)
    sign = "-" if rounded < 0 else "+"
    return sign + str(format_percent(abs(rounded), locale=_locale()))


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def _own_score(activity: Activity, person_id: int) -> dict[str, object]:
    """The student's score as they may see it: under "hold until I release", only what the
    facilitator released (grading.release)."""
    from lti_tool.grading.release import held, visible_score

    score = scores_of_person(activity, person_id)
    if not held(activity) or not activity.graded:
        return {"score": score, "score_held": False, "released_score": None}
    released, newer_waiting = visible_score(activity, person_id)
    if released is not None and not newer_waiting:
        return {"score": score, "score_held": False, "released_score": released}
    return {"score": None, "score_held": score is not None, "released_score": released}


def names_in(activity: Activity, data: ClassData) -> dict[int, str]:
    """Display names of everyone in the class data, in one query."""
    ids = {s.person_id for s in data.submissions} | {a.reviewer_id for a in data.allocations}
    if not ids:
        return {}
    return {
        p.id: p.display_name
        for p in db.session.scalars(select(Person).where(Person.id.in_(sorted(ids))))
    }


def submission_page(activity: Activity, sub: FeedbackSubmission) -> dict[str, Any]:
    """A submission with every review, for staff (names shown)."""
    config = config_of(activity)
    criteria = criteria_of(activity)
    return {
        "config": config,
        "sub": sub,
        "reviews": reviews_received(
            config, sub, criteria_for_round(activity, sub.round), Role.FACILITATOR
        ),
        "criteria": criteria,
        "class_data": load_class(activity),
    }
