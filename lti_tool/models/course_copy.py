"""Course copy continuity: where a copied course and its links came from, which activity was made
from which, and the platform notices (LTI Platform Notification Service 1.0) as received.

A copy never carries student data: `ActivityCopy` records only the activity made and its source,
with the provenance shown to the new term ("from COPR-101 Fall 2026, v3").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class LinkHistory(Base):
    """The history ids a link's latest launch carried (`$Context.id.history`,
    `$ResourceLink.id.history`), most recent first, kept for its set-up page."""

    __tablename__ = "link_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), unique=True
    )
    context_history: Mapped[list[str]] = mapped_column(JSON, default=list)
    link_history: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The `activity_id` custom parameter of a deep-linked link, as sent: in a copied course it
    # names last term's activity (trusted only within the course's history, never alone).
    linked_activity_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ContextOrigin(Base):
    """A course the platform said this one was copied from (an `LtiContextCopyNotice`'s
    `origin_contexts`), by LMS context id: the new course may not have launched yet."""

    __tablename__ = "context_origin"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", "origin_context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    origin_context_id: Mapped[str] = mapped_column(String(255))
    notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("received_notice.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityCopy(Base):
    """An activity made from another course's activity: its settings and templates, never its
    participants' work."""

    __tablename__ = "activity_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    source_activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"), index=True
    )
    # In the facilitator's words: "from COPR-101 Fall 2026" (a rubric adds ", v3").
    provenance: Mapped[str] = mapped_column(String(500))
    shifted_days: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReceivedNotice(Base):
    """A verified PNS notice, stored before it is processed (platforms such as Canvas do not
    retry, so the answer is sent once it is stored; a job processes it). One row per notice id
    and platform: a notice sent again is acknowledged and not stored twice. `token_id` is the
    JWT's `jti` (or its `nonce` when it has none): the same token again is a replay."""

    __tablename__ = "received_notice"
    __table_args__ = (
        UniqueConstraint("platform_id", "notice_id"),
        UniqueConstraint("platform_id", "token_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    notice_id: Mapped[str] = mapped_column(String(255))
    token_id: Mapped[str] = mapped_column(String(255))
    notice_type: Mapped[str] = mapped_column(String(100))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text, default="")


class NoticeHandler(Base):
    """A platform's notification service for one deployment (the launch's
    `platformnotificationservice` claim) and whether our handler is registered there."""

    __tablename__ = "notice_handler"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", "notice_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    notice_type: Mapped[str] = mapped_column(String(100))
    service_url: Mapped[str] = mapped_column(String(1000))
    registered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
