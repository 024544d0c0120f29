"""Sending due reminders at most once each, across any number of workers.

For each reminder: skip people without an address (the LMS's privacy settings withheld it),
addresses the server refused before, and people who turned the kind (or all) off. Then write
the (person, event key) row and commit *before* sending: the unique key lets one worker win
and the others pass (a retry of a failed send is a compare-and-set on the row's attempts, so
it too is claimed once). A worker that dies between the claim and the send loses that one
message rather than risk sending it twice.

A 5xx answer records the address as refused (never tried again); a 4xx or an unreachable
server leaves the row "failed", retried by later runs up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool.extensions import db
from lti_tool.models import MailPreference, MailSent, Person, RefusedAddress, utcnow
from lti_tool.reminders.due import due_reminders
from lti_tool.reminders.language import recipient_language, speaking
from lti_tool.reminders.registry import Reminder
from lti_tool.reminders.smtp import MailConnection, MailRefused, MailUnavailable, enabled
from lti_tool.reminders.tokens import unsubscribe_url
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass
class Outcome:
    sent: int = 0
    refused: int = 0
    failed: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return (
            f"{self.sent} sent, {self.refused} refused, {self.failed} failed, "
            f"{self.skipped} skipped"
        )


def _insert(table: type) -> postgresql.Insert | sqlite.Insert:
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def wants(person_id: int, kind: str) -> bool:
    pref = db.session.scalars(
        select(MailPreference).where(MailPreference.person_id == person_id)
    ).first()
    return pref is None or not (pref.unsubscribed or kind in (pref.kinds_off or []))


def _refused(address: str) -> bool:
    return (
        db.session.scalars(
            select(RefusedAddress.id).where(RefusedAddress.address == address.lower())
        ).first()
        is not None
    )


def claim(reminder: Reminder, address: str) -> MailSent | None:
    """The row this worker is to send, or None when another has (or had) it. The subject and
    body are written out in the recipient's language here, once, as the row keeps them."""
    with speaking(recipient_language(reminder.person_id)):
        subject, body = str(reminder.subject), str(reminder.body)
    values = {
        "person_id": reminder.person_id,
        "event_key": reminder.key[:200],
        "kind": reminder.kind,
        "address": address,
        "subject": subject[:300],
        "body": body,
        "status": "claimed",
        "error": "",
        "attempts": 1,
        "created_at": utcnow(),
    }
    statement = _insert(MailSent).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=["person_id", "event_key"])
    # RETURNING says whether this insert made the row (a rowcount is not reliable for an
    # INSERT … ON CONFLICT DO NOTHING across drivers).
    inserted = db.session.execute(statement.returning(MailSent.id)).scalar() is not None
    db.session.commit()
    row = db.session.scalars(
        select(MailSent).where(
            MailSent.person_id == reminder.person_id, MailSent.event_key == reminder.key[:200]
        )
    ).one()
    if inserted:
        return row
    if row.status != "failed" or row.attempts >= MAX_ATTEMPTS:
        db.session.rollback()
        return None
    retried = db.session.execute(
        update(MailSent)
        .where(
            MailSent.id == row.id, MailSent.status == "failed", MailSent.attempts == row.attempts
        )
        .values(status="claimed", attempts=row.attempts + 1, address=address)
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    if retried != 1:
        return None
    db.session.refresh(row)
    return row


def message_of(settings: Settings, row: MailSent) -> EmailMessage:
    link = unsubscribe_url(settings.LTI_TOOL_BASE_URL, settings.SECRET_KEY, row.person_id, row.kind)
    # Lines up to RFC 5322's 998 characters: folded at the default 78, the long unsubscribe
    # URL would be sent as RFC 2047 encoded words, which no mail client reads as a URL.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["From"] = settings.MAIL_FROM
    message["To"] = row.address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="coproduce")
    # RFC 8058 §3.1: one-click unsubscribe is an HTTPS URI in List-Unsubscribe plus this exact
    # List-Unsubscribe-Post value; the mail client POSTs it without cookies or a form.
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to reminders
    with speaking(recipient_language(row.person_id)):
        footer = str(_l("You receive this because reminders are on for you in Coproduce."))
        stop = str(_l("Stop these reminders: %(link)s", link=link))
    message.set_content(f"{row.body}\n\n--\n{footer}\n{stop}\n")
    return message


def _finish(row: MailSent, status: str, error: str = "") -> None:
    row.status, row.error = status, error[:500]
    if status == "sent":
        row.sent_at = utcnow()
    db.session.commit()


def send_due_reminders(settings: Settings, now: datetime | None = None) -> Outcome:
    """Find the due reminders and send each once. Commits as it goes."""
    outcome = Outcome()
    if not enabled(settings):
        return outcome
    now = now or utcnow()
    reminders = due_reminders(now, now.date(), settings.REMINDER_DUE_SOON_HOURS)
    db.session.rollback()  # finding them may have made config rows: a visit makes those
    with MailConnection(settings) as mail:
        for reminder in reminders:
            person = db.session.get(Person, reminder.person_id)
            address = (person.email or "").strip() if person is not None else ""
            if not address or _refused(address) or not wants(reminder.person_id, reminder.kind):
                outcome.skipped += 1
                continue
            row = claim(reminder, address)
            if row is None:
                outcome.skipped += 1
                continue
            try:
                mail.send(message_of(settings, row))
            except MailRefused as exc:
                _finish(row, "refused", str(exc))
                refusal = _insert(RefusedAddress).values(
                    address=address.lower(),
                    code=exc.code,
                    message=exc.message[:500],
                    refused_at=utcnow(),
                )
                db.session.execute(refusal.on_conflict_do_nothing(index_elements=["address"]))
                db.session.commit()
                log.info("reminder %s: address refused (%s)", row.id, exc.code)
                outcome.refused += 1
                continue
            except MailUnavailable as exc:
                _finish(row, "failed", str(exc))
                log.warning("reminder %s not sent: %s", row.id, exc)
                outcome.failed += 1
                continue
            _finish(row, "sent")
            outcome.sent += 1
    return outcome
