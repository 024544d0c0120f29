"""Which reminders are due: plain `Reminder` values, each with the event key that makes it
once-only (lti_tool.reminders.sender writes one row per person and key before sending).

- due_soon: a feedback round's work not yet submitted, its last day (the person's own under an
  extension) within REMINDER_DUE_SOON_HOURS; a goal still a draft with its agreement due then.
- goal_agreement: "your goal needs agreement" (a change was suggested, or the draft is due).
- reviews_to_do: peer or self reviews allocated and not submitted during the review phase.
- respond: reviews received, in the respond phase.
- digest: once a week, for each facilitator and coach, a course summary (counts only).

Reviewers are never named: messages give counts. Students hear only of activities they have
opened from a link (the LMS decides who sees a link: auth.scope).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Activity, Context, Membership, Role
from lti_tool.reminders.registry import Later, Reminder, source_of

KINDS = {
    "due_soon": _l("Due soon"),
    "goal_agreement": _l("Your goal needs agreement"),
    "reviews_to_do": _l("You have reviews to do"),
    "respond": _l("Feedback received: respond"),
    "digest": _l("Weekly digest (facilitators and coaches)"),
}


def digests(now: datetime) -> list[Reminder]:
    """One digest a week per facilitator or coach and course (key: the ISO week)."""
    year, week, _ = now.date().isocalendar()
    out: list[Reminder] = []
    by_context: dict[int, list[Activity]] = defaultdict(list)
    for activity in db.session.scalars(select(Activity).order_by(Activity.id)):
        by_context[activity.context_id].append(activity)
    for context_id, activities in sorted(by_context.items()):
        context = db.session.get(Context, context_id)
        if context is None:
            continue
        course = context.title or context.label or _l("your course")
        # Written out by the sender, in each recipient's language.
        body = Later(_digest_body, course, activities)
        staff = db.session.scalars(
            select(Membership.person_id).where(
                Membership.context_id == context_id,
                Membership.role.in_((Role.FACILITATOR, Role.COACH)),
            )
        )
        for person_id in sorted(set(staff)):
            out.append(
                Reminder(
                    person_id,
                    f"digest:{context_id}:{year}-W{week:02d}",
                    "digest",
                    _l("Weekly digest: %(course)s", course=course),
                    body,
                )
            )
    return out


def _digest_body(course: object, activities: list[Activity]) -> str:
    lines = []
    for activity in activities:
        source = source_of(activity.kind)
        lines.append(source.digest_line(activity) if source else f"- {activity.title}")
    return str(_l("This week in %(course)s:", course=course)) + "\n\n" + "\n".join(lines)


def due_reminders(now: datetime, today: date, due_soon_hours: int) -> list[Reminder]:
    """Every reminder due now, in a stable order."""
    horizon = (datetime.combine(today, now.time()) + timedelta(hours=due_soon_hours)).date()
    out: list[Reminder] = []
    for activity in db.session.scalars(select(Activity).order_by(Activity.id)):
        source = source_of(activity.kind)
        if source is not None:
            out += source.due(activity, today, horizon)
    return out + digests(now)
