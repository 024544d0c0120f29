"""A feedback rounds activity's configuration, its rubric (entered directly or copied from a
co-created one) and its dated phases."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lti_tool.activities.feedback.rules import (
    ALLOCATIONS,
    ANONYMITY,
    LATE_POLICIES,
    MAX_CRITERIA,
    MAX_LEVELS,
    PHASES,
    FeedbackError,
)
from lti_tool.activities.rubrics import api as rubrics
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.grading import feedback as aggregation
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import (
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackSubmission,
)
from lti_tool.wording import label


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
    """The criteria in use now (a revised rubric retires the old ones for later rounds)."""
    return [c for c in all_criteria_of(activity) if c.retired_in_round is None]


def all_criteria_of(activity: Activity) -> list[FeedbackCriterion]:
    """Every criterion the activity ever assessed with, retired ones included."""
    return list(
        db.session.scalars(
            select(FeedbackCriterion)
            .where(FeedbackCriterion.activity_id == activity.id)
            .order_by(FeedbackCriterion.position, FeedbackCriterion.id)
        )
    )


def applies_in(criterion: FeedbackCriterion, round_no: int) -> bool:
    retired = criterion.retired_in_round
    return criterion.from_round <= round_no and (retired is None or round_no < retired)


def criteria_for_round(activity: Activity, round_no: int) -> list[FeedbackCriterion]:
    """The criteria a round's work was (or is) assessed with."""
    return [c for c in all_criteria_of(activity) if applies_in(c, round_no)]


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
        raise FeedbackError("FEEDBACK_REFUSED", _l("Rounds must be between 1 and 5."))
    if not 1 <= settings.reviewers_per_submission <= 8:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Reviewers per submission must be between 1 and 8.")
        )
    if settings.allocation not in ALLOCATIONS or settings.anonymity not in ANONYMITY:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Unknown allocation or anonymity mode."))
    if settings.aggregate not in aggregation.METHODS or settings.late_policy not in (LATE_POLICIES):
        raise FeedbackError("FEEDBACK_REFUSED", _l("Unknown aggregate or late policy."))
    weights = (
        settings.weight_peer,
        settings.weight_self,
        settings.weight_staff,
        settings.weight_reviewing,
    )
    if any(not math.isfinite(w) or w < 0 or w > 100 for w in weights) or sum(weights) <= 0:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Weights must be between 0 and 100 and not all zero.")
        )
    config = config_of(activity)
    before = config.aggregate
    for key, value in settings.__dict__.items():
        if key == "round_dates":
            value = _checked_dates(value or {}, settings.rounds)
        setattr(config, key, value)
    record_event(by, "feedback.configured", "activity", activity.id, activity=activity)
    if before != config.aggregate:
        # Who changed how peer levels combine, and from what: scores move with it (the caller
        # rescores, and changed scores go out as the activity's grade release allows).
        record_event(
            by,
            "feedback.aggregate_changed",
            "activity",
            activity.id,
            activity=activity,
            before=before,
            after=config.aggregate,
        )
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
                    "FEEDBACK_REFUSED",
                    _l(
                        "Round %(round)s, %(phase)s: not a date (%(value)s).",
                        round=round_key,
                        phase=label(phase, "feedback_phase"),
                        value=value,
                    ),
                ) from exc
            out.setdefault(round_key, {})[phase] = value
    return out


def set_direct_rubric(activity: Activity, by: Person, items: list[CriterionInput]) -> None:
    """Criteria entered directly; refused once work has been submitted against the rubric."""
    if _started(activity):
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("The rubric cannot change once work has been submitted."), 409
        )
    if not 1 <= len(items) <= MAX_CRITERIA:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Give between 1 and %(max)d criteria.", max=MAX_CRITERIA)
        )
    for item in items:
        if not item.title.strip() or len(item.title) > 200 or len(item.description) > 1000:
            raise FeedbackError(
                "FEEDBACK_REFUSED", _l("Each criterion needs a title (up to 200 characters).")
            )
        if not 2 <= len(item.levels) <= MAX_LEVELS or any(
            not lv.strip() or len(lv) > 200 for lv in item.levels
        ):
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("Each criterion needs 2 to %(max)d named levels.", max=MAX_LEVELS),
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
            "FEEDBACK_REFUSED", _l("The rubric cannot change once work has been submitted."), 409
        )
    view = rubrics.rubric_version(version_id, activity.context_id)
    if view is None or not view.criteria:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("That rubric is not a finalised rubric of this course."), 404
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


def phase_date(config: FeedbackConfig, round_no: int, phase: str) -> str | None:
    return (config.round_dates or {}).get(str(round_no), {}).get(phase)


def next_step(config: FeedbackConfig) -> tuple[int, str] | None:
    index = PHASES.index(config.current_phase)
    if index < len(PHASES) - 1:
        return config.current_round, PHASES[index + 1]
    if config.current_round < config.rounds:
        return config.current_round + 1, PHASES[0]
    return None
