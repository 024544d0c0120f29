"""A person's reminder preferences: on by default; all off, or some kinds off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.domain import DomainError
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import MailPreference, Person


def person(person_id: int) -> Person:
    found = db.session.get(Person, person_id)
    if found is None:
        raise DomainError(
            "UNSUBSCRIBE_LINK_INVALID", _l("This unsubscribe link is not valid."), 404
        )
    return found


def preference_of(person_id: int) -> MailPreference:
    """The person's row (not added to the session until something is saved)."""
    row = db.session.scalars(
        select(MailPreference).where(MailPreference.person_id == person_id)
    ).first()
    return row or MailPreference(person_id=person_id, unsubscribed=False, kinds_off=[])


def _row(person_id: int) -> MailPreference:
    row = preference_of(person_id)
    db.session.add(row)
    return row


def set_preferences(who: Person, *, unsubscribed: bool, kinds_off: list[str]) -> None:
    row = _row(who.id)
    row.unsubscribed, row.kinds_off = unsubscribed, sorted(set(kinds_off))
    record_event(
        who,
        "mail.preferences_set",
        "person",
        who.id,
        platform_id=who.platform_id,
        unsubscribed=unsubscribed,
        kinds_off=row.kinds_off,
    )


def unsubscribe(who: Person, kind: str | None) -> None:
    """Stop one kind of reminder, or all (kind None)."""
    row = _row(who.id)
    if kind is None:
        row.unsubscribed = True
    else:
        row.kinds_off = sorted({*(row.kinds_off or []), kind})
    record_event(
        who, "mail.unsubscribed", "person", who.id, platform_id=who.platform_id, kind=kind or "*"
    )
