"""The loop back to the rubric: from a round's evidence (per criterion: reviewer agreement,
calibration error, helpfulness; the criteria that work badly flagged), the facilitator opens a
"revise the rubric" phase in the course's rubric co-creation activity the rounds assess with;
when a newer version is published, the next round assesses with it, and the rounds before keep
the criteria they were assessed with (their rows are retired, never deleted).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback import accuracy
from lti_tool.activities.feedback.configuration import config_of, criteria_of
from lti_tool.activities.feedback.rules import FeedbackError
from lti_tool.activities.rubrics import api as rubrics
from lti_tool.activities.rubrics import revision
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import FeedbackConfig, FeedbackCriterion
from lti_tool.models.reliability import RubricRevision


def evidence_of(activity: Activity) -> list[dict[str, Any]]:
    """Per criterion, what the students proposing changes see (fractions of the scale)."""
    titles = {c.id: c.title for c in criteria_of(activity)}
    return [
        {
            "criterion": titles[h.criterion],
            "agreement": h.agreement,
            "calibration_error": h.calibration_error,
            "helpfulness": h.helpfulness,
            "flagged": h.flagged,
            "reasons": list(h.reasons),
        }
        for h in accuracy.criterion_health(activity)
        if h.criterion in titles
    ]


def open_revision(
    activity: Activity, by: Person, *, confirmed: bool = False, reason: str = ""
) -> RubricRevision:
    config = config_of(activity)
    if config.rubric_source != "cocreated" or config.rubric_version_id is None:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l(
                "This activity's rubric was entered here, not co-created: revise it in the "
                "settings."
            ),
            409,
        )
    row = revision.open_revision(
        activity.context_id,
        config.rubric_version_id,
        by,
        source_activity_id=activity.id,
        evidence=evidence_of(activity),
        confirmed=confirmed,
        reason=reason,
    )
    record_event(by, "feedback.rubric_revision_opened", "activity", activity.id, activity=activity)
    return row


def adopt_newer_version(activity: Activity, config: FeedbackConfig, by: Person | None) -> bool:
    """On entering a new round: a newer published version of the co-created rubric replaces the
    criteria from this round on. Returns whether it did."""
    if config.rubric_source != "cocreated" or config.rubric_version_id is None:
        return False
    newer = revision.newer_version(config.rubric_version_id, activity.context_id)
    view = rubrics.rubric_version(newer.id, activity.context_id) if newer is not None else None
    if view is None or not view.criteria:
        return False
    round_no = config.current_round
    old = criteria_of(activity)
    for criterion in old:
        criterion.retired_in_round = round_no
    start = max((c.position for c in old), default=-1) + 1
    for offset, c in enumerate(view.criteria):
        db.session.add(
            FeedbackCriterion(
                activity_id=activity.id,
                position=start + offset,
                title=c.title[:200],
                description=c.description,
                weight=c.weight,
                levels=[
                    {"title": lv.title, "description": lv.description, "points": lv.points}
                    for lv in c.levels
                ],
                source_criterion_id=c.id,
                from_round=round_no,
            )
        )
    before = config.rubric_version_id
    config.rubric_version_id = view.version_id
    db.session.flush()
    record_event(
        by,
        "feedback.rubric_version_adopted",
        "activity",
        activity.id,
        activity=activity,
        before=before,
        after=view.version_id,
        round=round_no,
    )
    return True
