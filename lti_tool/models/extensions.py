"""Extensions and accommodations: a person's or a group's own date for one phase of one
activity, or "excused" from it, with who granted it.

The target is typed so that LMS groups (issue 16, item 1) plug in without a new table:
`target_type` is "person" (with `person_id`) or "group" (with `group_key`: a typed group's
label today; an LMS group's id, prefixed "lms:", once groups come from the LMS). A grant is
never edited or deleted: a new grant for the same target and phase supersedes it
(`superseded_at`) and a revocation is a grant with neither date nor excused, so the rows are
the audit trail the staff page lists.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Person


class Extension(Base):
    __tablename__ = "extension"
    __table_args__ = (Index("ix_extension_lookup", "activity_id", "phase", "superseded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(10))  # person | group
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    group_key: Mapped[str | None] = mapped_column(String(200))
    # The kind's phase key, e.g. "r2:submit" (feedback round 2's submit phase), "agree"
    # (a goal stage), "propose" (a rubric phase), or "*" for the whole activity.
    phase: Mapped[str] = mapped_column(String(40))
    due: Mapped[date | None]  # the target's own last day for the phase (inclusive)
    excused: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    granted_role: Mapped[str] = mapped_column(String(20), default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    granted_by: Mapped[Person | None] = relationship(foreign_keys=[granted_by_id])


class ExtensionPolicy(Base):
    """Per activity: whether coaches may grant extensions too (facilitators always may)."""

    __tablename__ = "extension_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    coaches_may_grant: Mapped[bool] = mapped_column(default=False)
