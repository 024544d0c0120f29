"""Goal setting's reminders (lti_tool.reminders): "your goal needs agreement" (a change was
suggested, or a draft whose agreement is due soon, under an extension the person's own date),
and the digest's line."""

from __future__ import annotations

from datetime import date

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
            body = f"A change was suggested to your goal in {where}: revise it to agree it."
        else:
            own = extensions.due_for(activity, goal.person_id, "agree")
            last = own or (date.fromisoformat(agree_by) if agree_by else None)
            if not within(last, today, horizon):
                continue
            key = f"goal_agreement:{goal.id}:draft:{last}"
            body = f"Your goal in {where} needs agreement by {last}: submit it for agreement."
        out.append(
            Reminder(
                goal.person_id,
                key,
                "goal_agreement",
                f"Your goal needs agreement: {activity.title}",
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
    return f"- {activity.title}: {pending} goal(s) waiting for agreement."
