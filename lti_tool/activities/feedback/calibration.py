"""Calibration before peer review, and the activity's reliability settings.

The facilitator adds up to MAX_EXEMPLARS pieces of work and assesses each on the rubric (a
level and a why per criterion); calibration cannot be published before every exemplar is
assessed on every criterion. Students then assess each exemplar themselves; only after they
submitted theirs do they see, per criterion, how far they were from the facilitator and why. A
second try may be allowed, and reviewing may wait until a student has calibrated.

Plain values in, models out; the caller commits; a refused action raises FeedbackError before
anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.feedback.configuration import criteria_of
from lti_tool.activities.feedback.rules import (
    MAX_COMMENT,
    MAX_LEVELS,
    MAX_TEXT,
    FeedbackError,
    thousands,
)
from lti_tool.activities.services import lock_row
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person, utcnow
from lti_tool.models.feedback import FeedbackAllocation
from lti_tool.models.reliability import FeedbackCalibration, FeedbackExemplar, FeedbackReliability
from lti_tool.wording import number

MAX_EXEMPLARS = 3
MAX_ENDORSEMENT_WEIGHT = 10.0


def settings_of(activity: Activity) -> FeedbackReliability:
    """The activity's reliability settings; the defaults (not stored) until first saved."""
    row = db.session.get(FeedbackReliability, activity.id)
    if row is None:
        row = FeedbackReliability(
            activity_id=activity.id,
            discrepancy_threshold=2,
            endorsement_weight=1.0,
            calibration=False,
            calibration_second_try=False,
            calibration_required=False,
            show_other_reviews=False,
        )
    return row


@dataclass(frozen=True)
class ReliabilityInput:
    discrepancy_threshold: int = 2
    endorsement_weight: float = 1.0
    calibration: bool = False
    calibration_second_try: bool = False
    calibration_required: bool = False
    show_other_reviews: bool = False


def configure(activity: Activity, by: Person, values: ReliabilityInput) -> FeedbackReliability:
    if not 0 <= values.discrepancy_threshold <= MAX_LEVELS - 1:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("The discrepancy threshold is 0 (off) to %(max)d levels.", max=MAX_LEVELS - 1),
        )
    w = values.endorsement_weight
    if not math.isfinite(w) or not 0 <= w <= MAX_ENDORSEMENT_WEIGHT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l(
                "An endorsement counts as 0 to %(max)s top ratings.",
                max=number(MAX_ENDORSEMENT_WEIGHT),
            ),
        )
    row = settings_of(activity)
    if db.session.get(FeedbackReliability, activity.id) is None:
        db.session.add(row)
    for key, value in values.__dict__.items():
        setattr(row, key, value)
    db.session.flush()
    record_event(by, "feedback.reliability_configured", "activity", activity.id, activity=activity)
    return row


# -- exemplars (the facilitator) -----------------------------------------------------------------


def exemplars_of(activity: Activity) -> list[FeedbackExemplar]:
    return list(
        db.session.scalars(
            select(FeedbackExemplar)
            .where(FeedbackExemplar.activity_id == activity.id)
            .order_by(FeedbackExemplar.position, FeedbackExemplar.id)
        )
    )


def exemplar_in(activity: Activity, exemplar_id: int) -> FeedbackExemplar:
    return scoped_get(
        FeedbackExemplar,
        exemplar_id,
        activity_id=activity.id,
        error=FeedbackError,
        code="EXEMPLAR_NOT_FOUND",
        message=_l("That exemplar is not in this activity."),
    )


def add_exemplar(activity: Activity, by: Person, title: str, body: str) -> FeedbackExemplar:
    settings = settings_of(activity)
    if settings.calibration_published_at is not None:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Calibration is published: its exemplars no longer change."), 409
        )
    title, body = title.strip(), body.strip()
    if not title or len(title) > 200:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Give the exemplar a title (up to 200 characters).")
        )
    if not body or len(body) > MAX_TEXT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Give the exemplar's text (up to %(count)s characters).", count=thousands(MAX_TEXT)),
        )
    existing = exemplars_of(activity)
    if len(existing) >= MAX_EXEMPLARS:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Calibration takes up to %(max)d exemplars.", max=MAX_EXEMPLARS),
            409,
        )
    row = FeedbackExemplar(activity_id=activity.id, position=len(existing), title=title, body=body)
    db.session.add(row)
    db.session.flush()
    record_event(by, "feedback.exemplar_added", "exemplar", row.id, activity=activity)
    return row


def _checked_levels(activity: Activity, levels: Mapping[int, int | None]) -> dict[str, int]:
    """Every criterion needs a level from its own scale."""
    criteria = criteria_of(activity)
    if not criteria:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Set the rubric first."), 409)
    if set(levels) - {c.id for c in criteria}:
        raise FeedbackError("FEEDBACK_REFUSED", _l("That criterion is not in this rubric."))
    out: dict[str, int] = {}
    missing = []
    for c in criteria:
        level = levels.get(c.id)
        if level is None:
            missing.append(c.title)
        elif not 0 <= level < len(c.levels):
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("%(criterion)s: that level is not in the rubric.", criterion=c.title),
            )
        else:
            out[str(c.id)] = level
    if missing:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Choose a level for every criterion: %(missing)s.", missing=", ".join(missing)),
        )
    return out


def assess_exemplar(
    activity: Activity,
    by: Person,
    exemplar: FeedbackExemplar,
    levels: Mapping[int, int | None],
    comments: Mapping[int, str],
) -> FeedbackExemplar:
    if settings_of(activity).calibration_published_at is not None:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Calibration is published: its assessments no longer change."),
            409,
        )
    checked = _checked_levels(activity, levels)
    if any(len(t) > MAX_COMMENT for t in comments.values()):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Comments are limited to %(count)s characters.", count=thousands(MAX_COMMENT)),
        )
    exemplar.levels = checked
    exemplar.comments = {str(cid): t.strip() for cid, t in comments.items() if t.strip()}
    record_event(by, "feedback.exemplar_assessed", "exemplar", exemplar.id, activity=activity)
    return exemplar


def publish(activity: Activity, by: Person) -> FeedbackReliability:
    """Students may calibrate from now on. Refused while an exemplar lacks the facilitator's
    level on a criterion (an exemplar with no assessment could teach nothing)."""
    settings = settings_of(activity)
    if not settings.calibration:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Turn calibration on first."), 409)
    exemplars = exemplars_of(activity)
    if not exemplars:
        raise FeedbackError("FEEDBACK_REFUSED", _l("Add an exemplar first."), 409)
    wanted = {str(c.id) for c in criteria_of(activity)}
    unassessed = [e.title for e in exemplars if not wanted or set(e.levels or {}) != wanted]
    if unassessed:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l(
                "Assess every exemplar on every criterion before publishing: %(exemplars)s.",
                exemplars=", ".join(unassessed),
            ),
            409,
        )
    settings.calibration_published_at = utcnow()
    if db.session.get(FeedbackReliability, activity.id) is None:
        db.session.add(settings)
    db.session.flush()
    record_event(by, "feedback.calibration_published", "activity", activity.id, activity=activity)
    return settings


# -- attempts (students) -------------------------------------------------------------------------


def attempts_of(activity: Activity, person_id: int) -> dict[int, list[FeedbackCalibration]]:
    """The person's attempts by exemplar, first attempt first."""
    out: dict[int, list[FeedbackCalibration]] = {}
    for row in db.session.scalars(
        select(FeedbackCalibration)
        .where(
            FeedbackCalibration.activity_id == activity.id,
            FeedbackCalibration.person_id == person_id,
        )
        .order_by(FeedbackCalibration.attempt)
    ):
        out.setdefault(row.exemplar_id, []).append(row)
    return out


def is_open(activity: Activity) -> bool:
    s = settings_of(activity)
    return s.calibration and s.calibration_published_at is not None


def attempt(
    activity: Activity,
    person: Person,
    exemplar: FeedbackExemplar,
    levels: Mapping[int, int | None],
) -> FeedbackCalibration:
    if not is_open(activity):
        raise FeedbackError("FEEDBACK_REFUSED", _l("Calibration is not open."), 409)
    lock_row(person)  # two tabs submitting the same attempt queue instead of both inserting
    checked = _checked_levels(activity, levels)
    done = attempts_of(activity, person.id).get(exemplar.id, [])
    allowed = 2 if settings_of(activity).calibration_second_try else 1
    if len(done) >= allowed:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("You have already assessed this exemplar twice. Its comparison is below.")
            if allowed == 2
            else _l("You have already assessed this exemplar. Its comparison is below."),
            409,
        )
    row = FeedbackCalibration(
        activity_id=activity.id,
        exemplar_id=exemplar.id,
        person_id=person.id,
        attempt=len(done) + 1,
        levels=checked,
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        person, "feedback.calibrated", "exemplar", exemplar.id, activity=activity, n=row.attempt
    )
    return row


def comparison(
    activity: Activity, exemplar: FeedbackExemplar, attempt_row: FeedbackCalibration
) -> list[dict[str, Any]]:
    """Per criterion: the student's level, the facilitator's, how many levels apart, and the
    facilitator's why. Only ever built from an attempt the student submitted."""
    rows = []
    for c in criteria_of(activity):
        mine = (attempt_row.levels or {}).get(str(c.id))
        theirs = (exemplar.levels or {}).get(str(c.id))
        if mine is None or theirs is None:
            continue
        rows.append(
            {
                "criterion": c.title,
                "mine": c.levels[mine]["title"],
                "theirs": c.levels[theirs]["title"],
                "distance": int(mine) - int(theirs),
                "why": (exemplar.comments or {}).get(str(c.id), ""),
            }
        )
    return rows


def calibrated(activity: Activity, person_id: int) -> bool:
    exemplars = exemplars_of(activity)
    done = attempts_of(activity, person_id)
    return all(e.id in done for e in exemplars)


def check_may_review(activity: Activity, person_id: int, alloc: FeedbackAllocation) -> None:
    """With "must calibrate before reviewing", a peer review waits for every exemplar."""
    settings = settings_of(activity)
    if (
        alloc.kind == "peer"
        and settings.calibration_required
        and is_open(activity)
        and not calibrated(activity, person_id)
    ):
        raise FeedbackError(
            "CALIBRATE_FIRST",
            _l("Assess the calibration exemplars first: reviewing opens for you after that."),
            409,
        )


def calibration_levels(activity: Activity) -> list[tuple[int, int, int, int]]:
    """(person, criterion id, their level, the facilitator's level) from each student's latest
    attempt on each exemplar, for reviewer accuracy."""
    exemplars = {e.id: e for e in exemplars_of(activity)}
    if not exemplars:
        return []
    latest: dict[tuple[int, int], FeedbackCalibration] = {}
    for row in db.session.scalars(
        select(FeedbackCalibration)
        .where(FeedbackCalibration.activity_id == activity.id)
        .order_by(FeedbackCalibration.attempt)
    ):
        latest[(row.person_id, row.exemplar_id)] = row
    out = []
    for (person, eid), row in sorted(latest.items()):
        ex = exemplars.get(eid)
        if ex is None:
            continue
        for key, mine in (row.levels or {}).items():
            theirs = (ex.levels or {}).get(key)
            if theirs is not None and key.isdigit():
                out.append((person, int(key), int(mine), int(theirs)))
    return out
