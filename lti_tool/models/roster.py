"""The course roster as the platform's Names and Role Provisioning Service reports it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class MemberStatus(enum.StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    DELETED = "Deleted"


class RosterMember(Base):
    __tablename__ = "roster_member"
    __table_args__ = (UniqueConstraint("context_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=MemberStatus.ACTIVE)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class RosterSync(Base):
    """The last sync of a course roster; `scope` is the rlid it was limited to ('' for all)."""

    __tablename__ = "roster_sync"
    __table_args__ = (UniqueConstraint("context_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(255), default="")
    differences_url: Mapped[str | None] = mapped_column(String(2000))
    member_count: Mapped[int] = mapped_column(default=0)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
