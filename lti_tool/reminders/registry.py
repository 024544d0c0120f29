"""What each activity kind contributes to reminders: a function listing its due reminders and a
line for the weekly digest, registered by the kind (shared code never names a kind)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lti_tool.models import Activity


@dataclass(frozen=True)
class Reminder:
    person_id: int
    key: str  # once-only: one mail per person and key, ever
    kind: str
    subject: str
    body: str


# (activity, today, the last day "due soon" reaches) -> the reminders due for it
DueReminders = Callable[[Activity, date, date], list[Reminder]]
DigestLine = Callable[[Activity], str]


@dataclass(frozen=True)
class ReminderSource:
    due: DueReminders
    digest_line: DigestLine


_SOURCES: dict[str, ReminderSource] = {}


def register_reminders(kind_key: str, source: ReminderSource) -> None:
    _SOURCES[kind_key] = source


def source_of(kind_key: str) -> ReminderSource | None:
    return _SOURCES.get(kind_key)


def where_of(activity: Activity) -> str:
    course = activity.context.title or activity.context.label or "your course"
    return f"“{activity.title}” in {course}"


def within(day: date | None, today: date, horizon: date) -> bool:
    return day is not None and today <= day <= horizon
