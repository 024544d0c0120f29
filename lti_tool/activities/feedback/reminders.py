"""Feedback rounds' reminders (lti_tool.reminders): work due soon (the person's own date under
an extension), reviews to do, feedback received to respond to, and the digest's line. Counts
only: a reviewer is never named."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, ngettext
from sqlalchemy import func, select

from lti_tool.activities import extensions
from lti_tool.activities.feedback.configuration import config_of, phase_date
from lti_tool.activities.feedback.rules import students_of
from lti_tool.auth.sessions import has_launched_activity
from lti_tool.extensions import db
from lti_tool.models import Activity, FeedbackAllocation, FeedbackReview, FeedbackSubmission
from lti_tool.reminders.registry import Later, Reminder, where_of, within
from lti_tool.wording import day, label


def feedback_reminders(activity: Activity, today: date, horizon: date) -> list[Reminder]:
    config = config_of(activity)
    n, phase = config.current_round, config.current_phase
    where = where_of(activity)
    out: list[Reminder] = []
    submitted = set(
        db.session.scalars(
            select(FeedbackSubmission.person_id).where(
                FeedbackSubmission.activity_id == activity.id, FeedbackSubmission.round == n
            )
        )
    )
    review_starts = phase_date(config, n, "review")
    usual_last = date.fromisoformat(review_starts) - timedelta(days=1) if review_starts else None
    for person in students_of(activity):
        if person.id in submitted:
            continue
        own = extensions.due_for(activity, person.id, f"r{n}:submit")
        last = own or (usual_last if phase == "submit" else None)
        if within(last, today, horizon) and has_launched_activity(person.id, activity.id):
            out.append(
                Reminder(
                    person.id,
                    f"due_soon:{activity.id}:r{n}:submit:{last}",
                    "due_soon",
                    _l("Due soon: %(title)s", title=activity.title),
                    _l(
                        "Your work for round %(round)s of %(where)s is due by the end of %(last)s.",
                        round=n,
                        where=where,
                        last=Later(day, last),
                    ),
                )
            )
    if phase == "review":
        waiting: dict[int, int] = defaultdict(int)
        for reviewer_id, review_done in db.session.execute(
            select(FeedbackAllocation.reviewer_id, FeedbackReview.submitted_at)
            .outerjoin(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
            .where(
                FeedbackAllocation.activity_id == activity.id,
                FeedbackAllocation.round == n,
                FeedbackAllocation.kind.in_(("peer", "self")),
            )
        ):
            if review_done is None:
                waiting[reviewer_id] += 1
        for person_id, count in sorted(waiting.items()):
            if has_launched_activity(person_id, activity.id):
                out.append(
                    Reminder(
                        person_id,
                        f"reviews_to_do:{activity.id}:r{n}",
                        "reviews_to_do",
                        _l("You have reviews to do: %(title)s", title=activity.title),
                        lazy_ngettext(
                            "You have %(num)d review to write in round %(round)s of %(where)s.",
                            "You have %(num)d reviews to write in round %(round)s of %(where)s.",
                            count,
                            round=n,
                            where=where,
                        ),
                    )
                )
    if phase in ("respond", "revise"):
        received = db.session.execute(
            select(FeedbackSubmission.person_id, func.count(FeedbackReview.id))
            .join(FeedbackAllocation, FeedbackAllocation.submission_id == FeedbackSubmission.id)
            .join(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
            .where(
                FeedbackSubmission.activity_id == activity.id,
                FeedbackSubmission.round == n,
                FeedbackReview.submitted_at.is_not(None),
            )
            .group_by(FeedbackSubmission.person_id)
        )
        for person_id, count in sorted(received):
            if has_launched_activity(person_id, activity.id):
                out.append(
                    Reminder(
                        person_id,
                        f"respond:{activity.id}:r{n}",
                        "respond",
                        _l("Feedback received: %(title)s", title=activity.title),
                        lazy_ngettext(
                            "You received %(num)d review in round %(round)s of %(where)s. Open "
                            "the activity to respond to each comment and plan your revision.",
                            "You received %(num)d reviews in round %(round)s of %(where)s. Open "
                            "the activity to respond to each comment and plan your revision.",
                            count,
                            round=n,
                            where=where,
                        ),
                    )
                )
    return out


def digest_line(activity: Activity) -> str:
    config = config_of(activity)
    students = len(students_of(activity))
    subs = db.session.scalar(
        select(func.count(FeedbackSubmission.id)).where(
            FeedbackSubmission.activity_id == activity.id,
            FeedbackSubmission.round == config.current_round,
        )
    )
    open_reviews = db.session.scalar(
        select(func.count(FeedbackAllocation.id))
        .outerjoin(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
        .where(
            FeedbackAllocation.activity_id == activity.id,
            FeedbackAllocation.round == config.current_round,
            FeedbackReview.submitted_at.is_(None),
        )
    )
    return "- " + str(
        ngettext(
            "%(title)s: round %(round)s, %(phase)s; %(submitted)s of %(students)s submitted; "
            "%(num)d review not yet submitted.",
            "%(title)s: round %(round)s, %(phase)s; %(submitted)s of %(students)s submitted; "
            "%(num)d reviews not yet submitted.",
            open_reviews or 0,
            title=activity.title,
            round=config.current_round,
            phase=label(config.current_phase, "feedback_phase"),
            submitted=subs,
            students=students,
        )
    )
