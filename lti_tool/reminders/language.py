"""The language of text written for someone other than the request's reader: a reminder mail
(the recipient's language) and, for lti_tool.grading, the comments sent to a gradebook (the
platform's). Here rather than in grading because grading runs jobs that send reminders."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import select

from lti_tool import i18n
from lti_tool.extensions import db
from lti_tool.models import LaunchSession, Person, Platform


def speaking(language: str | None) -> AbstractContextManager[None]:
    """Text made inside the block is in `language` (i18n.in_language: the pseudo-locales too
    where they are on, so the untranslated-text walks read LMS comments and mails as well)."""
    return i18n.in_language(language)


def _spoken(language: str | None) -> bool:
    return language in i18n.LANGUAGES or (language in i18n.PSEUDO_LOCALES and i18n.pseudo_enabled())


def platform_language(platform: Platform | None) -> str:
    """The registration's language, else English: what the tool writes into a platform (its
    gradebook comments) is read by the course's teacher, not by whoever's request made it."""
    language = platform.default_language if platform is not None else None
    return str(language) if _spoken(language) else i18n.DEFAULT_LANGUAGE


def recipient_language(person_id: int) -> str:
    """The language a mail to this person is written in: their latest launch's (what their
    LMS speaks to them), else their platform's registered language, else English."""
    locale = db.session.scalars(
        select(LaunchSession.locale)
        .where(LaunchSession.person_id == person_id, LaunchSession.locale.is_not(None))
        .order_by(LaunchSession.created_at.desc(), LaunchSession.id.desc())
        .limit(1)
    ).first()
    if _spoken(locale):
        return str(locale)
    platform = db.session.scalars(
        select(Platform)
        .join(Person, Person.platform_id == Platform.id)
        .where(Person.id == person_id)
    ).first()
    return platform_language(platform)
