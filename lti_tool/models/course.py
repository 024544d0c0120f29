"""People and courses as the platform sent them: Person, Context, Membership, ResourceLink."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.platform import Deployment, Platform


class Role(enum.StrEnum):
    """Coproduce's own roles, resolved from the LTI role claims (see lti_tool.auth.roles)."""

    STUDENT = "student"
    # An LTI Mentor (Canvas observer, often a parent): reads their mentees' work, nothing else.
    MENTOR = "mentor"
    COACH = "coach"
    FACILITATOR = "facilitator"
    ADMIN = "admin"


class Person(Base):
    """A user of one platform, identified by the id_token's `sub`."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    platform: Mapped[Platform] = relationship()

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or full or "Anonymous user"


class Context(Base):
    """A course (LTI context) on one platform."""

    __tablename__ = "context"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    types: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    platform: Mapped[Platform] = relationship()
    deployment: Mapped[Deployment] = relationship()

    @property
    def display_name(self) -> str:
        return self.title or self.label or "Untitled course"


class Membership(Base):
    """A person in a course: the raw LTI roles as sent, and the Coproduce role they resolve to."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("person_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    raw_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(20))
    # A Mentor's `role_scope_mentor` of their latest launch: the `sub`s of the people they may
    # see (Canvas: the observer's observees). Empty for everyone else.
    mentee_subs: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_launch_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()
    context: Mapped[Context] = relationship()


class ResourceLink(Base):
    """A placement of the tool in a course (one link, one future activity)."""

    __tablename__ = "resource_link"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    context: Mapped[Context] = relationship()
