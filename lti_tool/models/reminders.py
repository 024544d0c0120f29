"""Reminder e-mail: each person's preferences, one row per (person, event) sent or being sent,
and addresses the mail server refused.

`MailSent` is written (and committed) before the message goes out: its unique key is what
makes three workers meeting the same due event send one message, not three.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class MailPreference(Base):
    """What a person wants mailed; no row means every reminder."""

    __tablename__ = "mail_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    unsubscribed: Mapped[bool] = mapped_column(default=False)  # nothing at all
    kinds_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MailSent(Base):
    """One reminder for one person and one event key (e.g. "due:12:r1:submit")."""

    __tablename__ = "mail_sent"
    __table_args__ = (UniqueConstraint("person_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # claimed (written, not yet handed to the server), sent, refused (5xx), failed (4xx or
    # the server unreachable: the row stays, so the event is not retried for ever)
    status: Mapped[str] = mapped_column(String(10), default="claimed")
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=1)  # a failed one is retried a few times
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class RefusedAddress(Base):
    """An address the mail server refused permanently (SMTP 5xx): never mailed again."""

    __tablename__ = "refused_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    code: Mapped[int]
    message: Mapped[str] = mapped_column(String(500), default="")
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)
