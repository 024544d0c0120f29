"""What each activity kind contributes to reminders: a function listing its due reminders and a
line for the weekly digest, registered by the kind (shared code never names a kind)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from lti_tool.models import Activity


@dataclass(frozen=True)
class Reminder:
    """A reminder due. Its subject and body may be lazy (lazy_gettext, `Later`): the sender
    renders them in the recipient's language (lti_tool.reminders.sender)."""

    person_id: int
    key: str  # once-only: one mail per person and key, ever
    kind: str
    subject: Any
    body: Any


class Later:
    """A value written out when the text around it is rendered, in the reader's language
    (a date, a list of lines): `Later(day, last)` in a lazy_gettext's values."""

    def __init__(self, make: Callable[..., object], *args: object) -> None:
        self.make, self.args = make, args

    def __str__(self) -> str:
        return str(self.make(*self.args))


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


def where_of(activity: Activity) -> Any:
    """ "“Essay” in Biology 101", rendered in the reader's language."""
    course = activity.context.title or activity.context.label or _l("your course")
    return _l("“%(title)s” in %(course)s", title=activity.title, course=course)


def within(day: date | None, today: date, horizon: date) -> bool:
    return day is not None and today <= day <= horizon
