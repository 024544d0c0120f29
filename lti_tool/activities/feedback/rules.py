"""What every part of feedback rounds shares: the phases, the limits, the refusal
(FeedbackError) and who the course's students are."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask_babel import get_locale
from sqlalchemy import select

from lti_tool.domain import DomainError
from lti_tool.extensions import db
from lti_tool.models import Activity, Membership, Person, Role

PHASES = ("submit", "review", "respond", "revise")
ANONYMITY = ("double_blind", "single_blind", "open")
ALLOCATIONS = ("random", "groups", "manual")
LATE_POLICIES = ("refuse", "accept")
MAX_TEXT = 20_000
MAX_COMMENT = 2_000
MAX_LINK = 1_000
MAX_LEVELS = 6
MAX_CRITERIA = 12


def thousands(count: int) -> str:
    """A count with the reader's digit grouping ("20,000"; "20 000" in French), for the limits
    the messages name."""
    locale = get_locale()
    return str(format_decimal(count, locale=str(locale) if locale is not None else "en"))


class FeedbackError(DomainError):
    """A refused action of feedback rounds; the message is for the person who tried it."""

    default_code = "FEEDBACK_REFUSED"


def students_of(activity: Activity) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
            .order_by(Person.id)
        )
    )


def is_student(activity: Activity, person_id: int) -> bool:
    return (
        db.session.scalars(
            select(Membership.id).where(
                Membership.context_id == activity.context_id,
                Membership.person_id == person_id,
                Membership.role == Role.STUDENT,
            )
        ).first()
        is not None
    )
