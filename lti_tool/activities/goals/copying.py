"""A goal setting activity made from last term's (activities.copying): its settings and dates,
moved to the new term. Students' goals, check-ins and reflections stay behind."""

from __future__ import annotations

from datetime import date, timedelta

from lti_tool.activities.goals.config import settings_of
from lti_tool.extensions import db
from lti_tool.models import Activity, GoalSettings

SETTINGS = (
    "min_goals",
    "max_goals",
    "require_criterion",
    "min_checkins",
    "agreed_by",
    "scoring",
    "judgement_scale",
)


def _moved(value: str, days: int) -> str:
    try:
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    except ValueError:
        return value


def copy_goal_settings(source: Activity, activity: Activity, *, shift_days: int) -> None:
    old = db.session.get(GoalSettings, source.id)
    if old is None:
        return
    row = settings_of(activity)
    for name in SETTINGS:
        setattr(row, name, getattr(old, name))
    row.stage_points = dict(old.stage_points or {})
    row.checkin_dates = [_moved(d, shift_days) for d in old.checkin_dates or []]
    row.due_dates = {k: _moved(v, shift_days) for k, v in (old.due_dates or {}).items()}
