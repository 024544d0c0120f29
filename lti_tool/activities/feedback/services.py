"""Feedback rounds: configuration, rubric, phases, submissions and reviewer allocation.

Plain values in, models out; the caller commits (one transaction per action) and a refused
action raises FeedbackError before anything is written. Every lookup takes the activity, which
the view found within the launch's course.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lti_tool.activities.feedback import allocation
from lti_tool.activities.rubrics import api as rubrics
from lti_tool.activities.services import lock_row
from lti_tool.domain import DomainError, scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Membership, Person, Role, utcnow
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackReview,
    FeedbackSubmission,
)

log = logging.getLogger(__name__)

PHASES = ("submit", "review", "respond", "revise")
ANONYMITY = ("double_blind", "single_blind", "open")
ALLOCATIONS = ("random", "groups", "manual")
LATE_POLICIES = ("refuse", "accept")
MAX_TEXT = 20_000
MAX_COMMENT = 2_000
MAX_LINK = 1_000
MAX_LEVELS = 6
MAX_CRITERIA = 12


class FeedbackError(DomainError):
    """A refused action of feedback rounds; the message is for the person who tried it."""

    default_code = "FEEDBACK_REFUSED"


# -- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    title: str
    description: str
    levels: tuple[str, ...]  # lowest first
    weight: float = 1.0


@dataclass(frozen=True)
class Settings:
    rounds: int = 2
    reviewers_per_submission: int = 3
    allocation: str = "random"
    self_review: bool = False
    staff_review: bool = True
    anonymity: str = "double_blind"
    aggregate: str = "median"
    weight_peer: float = 0.6
    weight_self: float = 0.0
    weight_staff: float = 0.2
    weight_reviewing: float = 0.2
    reshuffle: bool = True
    late_policy: str = "accept"
    round_dates: dict[str, dict[str, str]] | None = None


def config_of(activity: Activity) -> FeedbackConfig:
    """The activity's settings, created with the defaults on first use."""
    config = db.session.scalars(
        select(FeedbackConfig).where(FeedbackConfig.activity_id == activity.id)
    ).first()
    if config is None:
        # Round 1 starts with the phase dates chosen when the activity was placed.
        dates = {k: v for k, v in (activity.phase_dates or {}).items() if k in PHASES}
        config = FeedbackConfig(
            activity_id=activity.id,
            seed=activity.id * 7919 + 17,
            round_dates={"1": dates} if dates else {},
        )
        db.session.add(config)
        db.session.flush()
    return config


def criteria_of(activity: Activity) -> list[FeedbackCriterion]:
    return list(
        db.session.scalars(
            select(FeedbackCriterion)
            .where(FeedbackCriterion.activity_id == activity.id)
            .order_by(FeedbackCriterion.position, FeedbackCriterion.id)
        )
    )


def _started(activity: Activity) -> bool:
    return (
        db.session.scalar(
            select(func.count(FeedbackSubmission.id)).where(
                FeedbackSubmission.activity_id == activity.id
            )
        )
        or 0
    ) > 0


def configure(activity: Activity, by: Person, settings: Settings) -> FeedbackConfig:
    if not 1 <= settings.rounds <= 5:
        raise FeedbackError("FEEDBACK_REFUSED", "Rounds must be between 1 and 5.")
    if not 1 <= settings.reviewers_per_submission <= 8:
        raise FeedbackError("FEEDBACK_REFUSED", "Reviewers per submission must be between 1 and 8.")
    if settings.allocation not in ALLOCATIONS or settings.anonymity not in ANONYMITY:
        raise FeedbackError("FEEDBACK_REFUSED", "Unknown allocation or anonymity mode.")
    if settings.aggregate not in ("median", "trimmed_mean") or settings.late_policy not in (
        LATE_POLICIES
    ):
        raise FeedbackError("FEEDBACK_REFUSED", "Unknown aggregate or late policy.")
    weights = (
        settings.weight_peer,
        settings.weight_self,
        settings.weight_staff,
        settings.weight_reviewing,
    )
    if any(not math.isfinite(w) or w < 0 or w > 100 for w in weights) or sum(weights) <= 0:
        raise FeedbackError(
            "FEEDBACK_REFUSED", "Weights must be between 0 and 100 and not all zero."
        )
    config = config_of(activity)
    for key, value in settings.__dict__.items():
        if key == "round_dates":
            value = _checked_dates(value or {}, settings.rounds)
        setattr(config, key, value)
    record_event(by, "feedback.configured", "activity", activity.id, activity=activity)
    return config


def _checked_dates(dates: dict[str, dict[str, str]], rounds: int) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for round_key, phases in dates.items():
        if not round_key.isdigit() or not 1 <= int(round_key) <= rounds:
            continue
        for phase, value in phases.items():
            if phase not in PHASES or not value:
                continue
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise FeedbackError(
                    "FEEDBACK_REFUSED", f"Round {round_key} {phase}: not a date ({value})."
                ) from exc
            out.setdefault(round_key, {})[phase] = value
    return out


def set_direct_rubric(activity: Activity, by: Person, items: list[CriterionInput]) -> None:
    """Criteria entered directly; refused once work has been submitted against the rubric."""
    if _started(activity):
        raise FeedbackError(
            "FEEDBACK_REFUSED", "The rubric cannot change once work has been submitted.", 409
        )
    if not 1 <= len(items) <= MAX_CRITERIA:
        raise FeedbackError("FEEDBACK_REFUSED", f"Give between 1 and {MAX_CRITERIA} criteria.")
    for item in items:
        if not item.title.strip() or len(item.title) > 200 or len(item.description) > 1000:
            raise FeedbackError(
                "FEEDBACK_REFUSED", "Each criterion needs a title (up to 200 characters)."
            )
        if not 2 <= len(item.levels) <= MAX_LEVELS or any(
            not lv.strip() or len(lv) > 200 for lv in item.levels
        ):
            raise FeedbackError(
                "FEEDBACK_REFUSED", f"Each criterion needs 2 to {MAX_LEVELS} named levels."
            )
    _replace_criteria(
        activity,
        [
            FeedbackCriterion(
                title=i.title.strip(),
                description=i.description.strip(),
                weight=i.weight,
                levels=[
                    {"title": t.strip(), "description": "", "points": float(n)}
                    for n, t in enumerate(i.levels)
                ],
            )
            for i in items
        ],
    )
    config = config_of(activity)
    config.rubric_source, config.rubric_version_id = "direct", None
    record_event(
        by, "feedback.rubric_set", "activity", activity.id, activity=activity, source="direct"
    )


def use_cocreated_rubric(activity: Activity, by: Person, version_id: int) -> None:
    """Copy a finalised co-created rubric version of this course, recording its version id."""
    if _started(activity):
        raise FeedbackError(
            "FEEDBACK_REFUSED", "The rubric cannot change once work has been submitted.", 409
        )
    view = rubrics.rubric_version(version_id, activity.context_id)
    if view is None or not view.criteria:
        raise FeedbackError(
            "FEEDBACK_REFUSED", "That rubric is not a finalised rubric of this course.", 404
        )
    _replace_criteria(
        activity,
        [
            FeedbackCriterion(
                title=c.title[:200],
                description=c.description,
                weight=c.weight,
                levels=[
                    {"title": lv.title, "description": lv.description, "points": lv.points}
                    for lv in c.levels
                ],
                source_criterion_id=c.id,
            )
            for c in view.criteria
        ],
    )
    config = config_of(activity)
    config.rubric_source, config.rubric_version_id = "cocreated", view.version_id
    record_event(
        by,
        "feedback.rubric_set",
        "activity",
        activity.id,
        activity=activity,
        version_id=view.version_id,
    )


def _replace_criteria(activity: Activity, criteria: list[FeedbackCriterion]) -> None:
    for old in criteria_of(activity):
        db.session.delete(old)
    for position, criterion in enumerate(criteria):
        criterion.activity_id, criterion.position = activity.id, position
        db.session.add(criterion)
    db.session.flush()


# -- phases ----------------------------------------------------------------------------------


def phase_date(config: FeedbackConfig, round_no: int, phase: str) -> str | None:
    return (config.round_dates or {}).get(str(round_no), {}).get(phase)


def next_step(config: FeedbackConfig) -> tuple[int, str] | None:
    index = PHASES.index(config.current_phase)
    if index < len(PHASES) - 1:
        return config.current_round, PHASES[index + 1]
    if config.current_round < config.rounds:
        return config.current_round + 1, PHASES[0]
    return None


def catch_up(activity: Activity, today: date) -> list[str]:
    """Move through every phase whose date has come (dated phases move by themselves; undated
    ones wait for the facilitator). Returns the phases entered."""
    config = config_of(activity)
    entered: list[str] = []
    locked = False
    while (step := next_step(config)) is not None:
        day = phase_date(config, *step)
        if day is None or date.fromisoformat(day) > today:
            break
        if not locked:
            # Two first visits after the date would both move on (and skip a phase): lock,
            # then look again at what the other visit may already have done.
            lock_row(config)
            locked = True
            continue
        if step[1] == "review" and not criteria_of(activity):
            break  # no rubric yet: the facilitator is told on their page
        advance_phase(activity, None)
        entered.append(config.current_phase)
    return entered


def check_step(config: FeedbackConfig, seen_round: str | None, seen_phase: str | None) -> None:
    """A form shows the round and phase it was made in; after a move it is stale (a double
    click on "Move to the next phase" must not move twice and skip peer review)."""
    if seen_phase is None and seen_round is None:
        return
    if (seen_phase, seen_round) != (config.current_phase, str(config.current_round)):
        raise FeedbackError(
            "STALE_FORM",
            f"The activity is now in round {config.current_round}, phase "
            f"'{config.current_phase}': this page was opened before that. Nothing was changed; "
            "reload the page and try again.",
            409,
        )


def advance_phase(
    activity: Activity,
    by: Person | None,
    *,
    seen_round: str | None = None,
    seen_phase: str | None = None,
) -> FeedbackConfig:
    """Move to the next phase (after revise: the next round's submit). Entering review
    allocates the round's reviewers. The config row is locked, so two moves at once run one
    after the other, and the second sees the first's phase (and, given what its form showed,
    refuses as stale)."""
    config = config_of(activity)
    lock_row(config)
    check_step(config, seen_round, seen_phase)
    index = PHASES.index(config.current_phase)
    if index == len(PHASES) - 1:
        if config.current_round >= config.rounds:
            raise FeedbackError("FEEDBACK_REFUSED", "This was the last round.", 409)
        config.current_round += 1
        config.current_phase = PHASES[0]
    else:
        config.current_phase = PHASES[index + 1]
    if config.current_phase == "review":
        if not criteria_of(activity):
            raise FeedbackError("FEEDBACK_REFUSED", "Set the rubric before reviews start.", 409)
        allocate_round(activity, config)
    record_event(
        by,
        "feedback.phase_moved",
        "activity",
        activity.id,
        activity=activity,
        round=config.current_round,
        phase=config.current_phase,
    )
    return config


def students_of(activity: Activity) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
            .order_by(Person.id)
        )
    )


def is_student(activity: Activity, person_id: int) -> bool:
    return (
        db.session.scalars(
            select(Membership.id).where(
                Membership.context_id == activity.context_id,
                Membership.person_id == person_id,
                Membership.role == Role.STUDENT,
            )
        ).first()
        is not None
    )


# -- submissions -----------------------------------------------------------------------------


def submission_of(activity: Activity, person_id: int, round_no: int) -> FeedbackSubmission | None:
    return db.session.scalars(
        select(FeedbackSubmission).where(
            FeedbackSubmission.activity_id == activity.id,
            FeedbackSubmission.person_id == person_id,
            FeedbackSubmission.round == round_no,
        )
    ).first()


def submissions_of_round(activity: Activity, round_no: int) -> list[FeedbackSubmission]:
    return list(
        db.session.scalars(
            select(FeedbackSubmission)
            .where(
                FeedbackSubmission.activity_id == activity.id, FeedbackSubmission.round == round_no
            )
            .options(joinedload(FeedbackSubmission.person))  # names on staff pages: one query
            .order_by(FeedbackSubmission.id)
        )
    )


def _is_late(config: FeedbackConfig, now: datetime) -> bool:
    if config.current_phase != "submit":
        return True
    deadline = phase_date(config, config.current_round, "review")
    return deadline is not None and now.date() >= date.fromisoformat(deadline)


def submit(
    activity: Activity,
    person: Person,
    *,
    body: str = "",
    link: str = "",
    stored_file: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> FeedbackSubmission:
    """The person's one version for the current round (replaced while the submit phase lasts)."""
    config = config_of(activity)
    # One row per person and round: two tabs submitting at once queue on the person's row
    # (and on the phase, which cannot move under them).
    lock_row(config, shared=True)
    lock_row(person)
    now = now or utcnow()
    body, link = body.strip(), link.strip()
    if len(body) > MAX_TEXT:
        raise FeedbackError("FEEDBACK_REFUSED", f"The text is longer than {MAX_TEXT:,} characters.")
    if len(link) > MAX_LINK or (link and not link.startswith(("https://", "http://"))):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            "A link must start with https:// or http:// (up to 1,000 characters).",
        )
    if not body and not link and stored_file is None:
        raise FeedbackError("FEEDBACK_REFUSED", "Write some text, give a link or attach a file.")
    late = _is_late(config, now)
    if late and (config.late_policy == "refuse" or config.current_phase in ("respond", "revise")):
        raise FeedbackError("DEADLINE_PASSED", "The deadline for this round has passed.", 409)
    existing = submission_of(activity, person.id, config.current_round)
    if existing is not None and late:
        raise FeedbackError(
            "FEEDBACK_REFUSED", "Your work for this round was already submitted.", 409
        )
    row = existing or FeedbackSubmission(
        activity_id=activity.id, person_id=person.id, round=config.current_round
    )
    row.body, row.link, row.late, row.submitted_at = body, link or None, late, now
    row.group_label = (config.groups or {}).get(str(person.id))
    if stored_file is not None:
        row.file_key = stored_file["key"]
        row.file_type = stored_file["type"]
        row.file_ext = stored_file["ext"]
        row.file_size = stored_file["size"]
    db.session.add(row)
    db.session.flush()
    if late and config.current_phase == "review":
        _allocate_late(activity, config, row)
    record_event(
        person,
        "feedback.submitted",
        "submission",
        row.id,
        activity=activity,
        round=row.round,
        late=late,
    )
    return row


# -- allocation ------------------------------------------------------------------------------


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
    groups = _groups(config, subs)
    pairs: list[tuple[int, int]] = []
    if config.allocation != "manual":
        previous = _peer_pairs(activity, round_no - 1) if round_no > 1 else []
        kept = [(a, r) for a, r in previous if a in by_author and r in by_author]
        if not config.reshuffle and kept:
            # The same reviewers as last round where both are still here; newcomers are added.
            pairs = kept + allocation.add_late_authors(
                kept,
                [a for a in authors if a not in {p[0] for p in kept}],
                authors,
                config.reviewers_per_submission,
                config.seed + round_no,
                groups,
            )
        else:
            pairs = allocation.allocate_reviewers(
                authors, authors, config.reviewers_per_submission, config.seed + round_no, groups
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
            _allocate_late(activity, config, sub)
    db.session.flush()
    return len(pairs)


def _allocate_late(activity: Activity, config: FeedbackConfig, sub: FeedbackSubmission) -> None:
    if config.allocation == "manual":
        return
    existing = _peer_pairs(activity, sub.round)
    everyone = submissions_of_round(activity, sub.round)
    # The round's reviewers: those on time, and those already reviewing (everyone, when nobody
    # made the deadline).
    reviewers = sorted({s.person_id for s in everyone if not s.late} | {r for _, r in existing})
    groups = _groups(config, everyone)
    for _, reviewer in allocation.add_late_authors(
        existing, [sub.person_id], reviewers, config.reviewers_per_submission, config.seed, groups
    ):
        _add_allocation(activity, sub, reviewer, "peer")
    if config.self_review:
        _add_allocation(activity, sub, sub.person_id, "self")


def _groups(config: FeedbackConfig, subs: list[FeedbackSubmission]) -> dict[int, str | None]:
    if config.allocation != "groups":
        return {}
    # The groups as they stand when reviewers are allocated (set after some submitted, too).
    return {s.person_id: (config.groups or {}).get(str(s.person_id)) for s in subs}


def set_groups(activity: Activity, by: Person, groups: dict[int, str]) -> None:
    """Who is in which group (person id -> label); only students of this course."""
    students = {p.id for p in students_of(activity)}
    if set(groups) - students:
        raise FeedbackError("FEEDBACK_REFUSED", "Groups take only students of this course.", 404)
    if any(not label.strip() or len(label) > 200 for label in groups.values()):
        raise FeedbackError("FEEDBACK_REFUSED", "Group names are 1 to 200 characters.")
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
    message: str = "That review is not in this activity.",
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
    message: str = "That submission is not in this activity.",
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
        raise FeedbackError("FEEDBACK_REFUSED", "Only peer reviews can be swapped.", 409)
    started = db.session.scalars(
        select(FeedbackReview.id).where(FeedbackReview.allocation_id == alloc.id)
    ).first()
    if started is not None:
        raise FeedbackError(
            "FEEDBACK_REFUSED", "That review has been started; it cannot move now.", 409
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
        raise FeedbackError("FEEDBACK_REFUSED", "Nobody reviews their own work as a peer.")
    if not is_student(activity, reviewer_id):
        raise FeedbackError(
            "FEEDBACK_REFUSED", "The reviewer must be a student of this course.", 404
        )
    taken = db.session.scalars(
        select(FeedbackAllocation.id).where(
            FeedbackAllocation.submission_id == sub.id,
            FeedbackAllocation.reviewer_id == reviewer_id,
        )
    ).first()
    if taken is not None:
        raise FeedbackError("FEEDBACK_REFUSED", "That student already reviews this work.", 409)


def staff_allocation(activity: Activity, by: Person, sub: FeedbackSubmission) -> FeedbackAllocation:
    """A facilitator's or coach's own review of a submission (made on first use)."""
    if not config_of(activity).staff_review:
        raise FeedbackError(
            "FEEDBACK_REFUSED", "Staff reviews are switched off for this activity.", 409
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
