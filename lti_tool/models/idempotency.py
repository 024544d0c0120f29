"""Keys of forms already acted on: what makes a double submit store once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class SubmittedForm(Base):
    """One rendered form's random key, inserted in the same transaction as the write the form
    made. A second submit of that form (a double click, a resent POST, a second tab) meets the
    unique index — on PostgreSQL it waits for the first to commit — and stores nothing."""

    __tablename__ = "submitted_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
