"""Dated phases of feedback rounds, as the clock applies them: on the first visit after the day
(the home page) and by the scheduled phases job (lti_tool.jobs), through the same function."""

from __future__ import annotations

from datetime import date

from lti_tool.activities.feedback import scoring
from lti_tool.activities.feedback import services as svc
from lti_tool.models import Activity


def catch_up_by_date(activity: Activity, today: date, tool_base_url: str) -> list[str]:
    """Move through every phase whose date has come; scores change when respond or revise
    begins. Returns the phases entered; the caller commits."""
    entered = svc.catch_up(activity, today)
    if {"respond", "revise"} & set(entered):
        scoring.update_scores(activity, None, tool_base_url)
    return entered


def next_allocation(activity: Activity, today: date) -> date | None:
    """The day reviewers are next allocated (review begins), when that is the next step."""
    config = svc.config_of(activity)
    step = svc.next_step(config)
    if step is None or step[1] != "review":
        return None
    day = svc.phase_date(config, *step)
    try:
        return date.fromisoformat(day) if day else None
    except ValueError:
        return None
