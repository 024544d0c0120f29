"""Goal setting's reminders (lti_tool.reminders): "your goal needs agreement" (a change was
suggested, or a draft whose agreement is due soon, under an extension the person's own date),
and the digest's line."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from lti_tool.activities import extensions
from lti_tool.auth.sessions import has_launched_activity
from lti_tool.extensions import db
from lti_tool.models import Activity, Goal, GoalSettings, GoalStatus
from lti_tool.reminders.registry import Reminder, where_of, within


def goal_reminders(activity: Activity, today: date, horizon: date) -> list[Reminder]:
    settings = db.session.scalars(
        select(GoalSettings).where(GoalSettings.activity_id == activity.id)
    ).first()
    agree_by = (settings.due_dates or {}).get("agree") if settings is not None else None
    where = where_of(activity)
    out: list[Reminder] = []
    for goal in db.session.scalars(
        select(Goal)
        .where(
            Goal.activity_id == activity.id,
            Goal.status.in_((GoalStatus.CHANGES, GoalStatus.DRAFT)),
        )
        .order_by(Goal.id)
    ):
        if not has_launched_activity(goal.person_id, activity.id):
            continue
        if goal.status == GoalStatus.CHANGES:
            # Once per suggestion: a new version answered it, a new suggestion is a new event.
            key = f"goal_agreement:{goal.id}:v{len(goal.versions)}"
            body = _(
                "A change was suggested to your goal in %(where)s: revise it to agree it.",
                where=where,
            )
        else:
            own = extensions.due_for(activity, goal.person_id, "agree")
            last = own or (date.fromisoformat(agree_by) if agree_by else None)
            if not within(last, today, horizon):
                continue
            key = f"goal_agreement:{goal.id}:draft:{last}"
            body = _(
                "Your goal in %(where)s needs agreement by %(date)s: submit it for agreement.",
                where=where,
                date=last,
            )
        out.append(
            Reminder(
                goal.person_id,
                key,
                "goal_agreement",
                _("Your goal needs agreement: %(title)s", title=activity.title),
                body,
            )
        )
    return out


def digest_line(activity: Activity) -> str:
    pending = db.session.scalar(
        select(func.count(Goal.id)).where(
            Goal.activity_id == activity.id, Goal.status == GoalStatus.PENDING
        )
    )
    return "- " + ngettext(
        "%(title)s: %(num)d goal waiting for agreement.",
        "%(title)s: %(num)d goals waiting for agreement.",
        pending or 0,
        title=activity.title,
    )
