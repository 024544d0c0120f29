"""What a course's launches told us about its LTI Advantage services, and the access tokens
shared by every process for calling them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class CourseServices(Base):
    """The AGS and NRPS endpoints of one course, as its latest launch named them."""

    __tablename__ = "course_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), unique=True
    )
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    memberships_url: Mapped[str | None] = mapped_column(String(1000))
    nrps_versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AccessToken(Base):
    """An OAuth2 access token of a platform, reused by every process until shortly before it
    expires. `cache_key` digests (issuer, client_id, sorted scopes)."""

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
