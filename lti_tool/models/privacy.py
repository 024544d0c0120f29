"""A platform's course retention rule (issue 18): a course's data is deleted `days` after its
last activity or end date. A new rule is a dry run: the retention job only reports what it
would delete (`last_report`) until an admin arms it, having seen that report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class RetentionRule(Base):
    __tablename__ = "retention_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), unique=True
    )
    days: Mapped[int]
    # False: the job only reports (dry run); True: it deletes expired courses.
    armed: Mapped[bool] = mapped_column(default=False)
    last_run_at: Mapped[datetime | None]
    # {"at": iso, "dry_run": bool, "courses": [{"id", "title", "expired_on"}]}
    last_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
