"""Students' submissions: finding them, and submitting (late ones join the review round
already under way)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lti_tool.activities.feedback import extensions as feedback_extensions
from lti_tool.activities.feedback import groups as lms_groups
from lti_tool.activities.feedback.configuration import config_of, phase_date
from lti_tool.activities.feedback.rules import MAX_LINK, MAX_TEXT, FeedbackError, thousands
from lti_tool.activities.services import lock_row
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person, utcnow
from lti_tool.models.feedback import (
    FeedbackConfig,
    FeedbackSubmission,
)


def submission_of(activity: Activity, person_id: int, round_no: int) -> FeedbackSubmission | None:
    if lms_groups.group_submissions_on(activity):  # one submission per group: theirs
        return lms_groups.group_submission(activity, person_id, round_no)
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
    if lms_groups.group_submissions_on(activity):
        # Teammates submitting at once queue on one row of the group (its first member).
        first = lms_groups.teammates(activity, person.id, config.current_round)[0]
        if first != person.id:
            lock_row(db.session.get(Person, first))
    now = now or utcnow()
    body, link = body.strip(), link.strip()
    if len(body) > MAX_TEXT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("The text is longer than %(count)s characters.", count=thousands(MAX_TEXT)),
        )
    if len(link) > MAX_LINK or (link and not link.startswith(("https://", "http://"))):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("A link must start with https:// or http:// (up to 1,000 characters)."),
        )
    if not body and not link and stored_file is None:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Write some text, give a link or attach a file.")
        )
    late = _is_late(config, now)
    # An extension (lti_tool.activities.extensions) moves this person's own deadline.
    own_due = feedback_extensions.submit_due(activity, person.id, config.current_round)
    extended = own_due is not None and now.date() <= own_due
    if own_due is not None:
        late = not extended
    if late and (config.late_policy == "refuse" or config.current_phase in ("respond", "revise")):
        raise FeedbackError("DEADLINE_PASSED", _l("The deadline for this round has passed."), 409)
    existing = submission_of(activity, person.id, config.current_round)
    if existing is not None and late:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("Your work for this round was already submitted."), 409
        )
    row = existing or FeedbackSubmission(
        activity_id=activity.id, person_id=person.id, round=config.current_round
    )
    row.body, row.link, row.late, row.submitted_at = body, link or None, late, now
    row.group_label = (config.groups or {}).get(str(person.id))
    if lms_groups.group_submissions_on(activity):
        row.group_label = lms_groups.group_label(activity, person.id, config.current_round)
    if stored_file is not None:
        row.file_key = stored_file["key"]
        row.file_type = stored_file["type"]
        row.file_ext = stored_file["ext"]
        row.file_size = stored_file["size"]
    db.session.add(row)
    db.session.flush()
    if config.current_phase != "submit" and existing is None:
        # Imported here: allocation reads submissions, and a late one joins the round.
        from lti_tool.activities.feedback.assignments import allocate_extended, allocate_late

        if config.current_phase == "review" or extended:
            allocate_late(activity, config, row)  # reviewed by the least-loaded reviewers
        if extended:
            allocate_extended(activity, config, row)  # and reviews others, re-balanced
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
