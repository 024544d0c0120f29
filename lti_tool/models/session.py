"""The launch session and what it may reach: sessions, used link tickets, and released links.

A `LaunchSession` is what the session token names: one launch, by one person, in one course.
Its token is never stored: it is an HMAC (under SECRET_KEY) of the row's id and random salt, so
a database read alone does not yield a usable session, and the server can still put the token
into the page a link ticket opened. The
role is deliberately not stored for course launches: it is read from the membership on every
request, so the latest launch decides (issue 11, "stale authority").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Context, Membership, Person, ResourceLink


class LaunchSession(Base):
    __tablename__ = "launch_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_salt: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE")
    )
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    message_type: Mapped[str] = mapped_column(String(80))
    # Only for launches without a course (an administrator's): there is no membership row to
    # read a role from. Course launches take the role from the membership, never from here.
    courseless_role: Mapped[str | None] = mapped_column(String(20))
    courseless_platform_admin: Mapped[bool] = mapped_column(default=False)
    csrf_secret: Mapped[str] = mapped_column(String(64))
    # The language of the launch's pages (lti_tool.i18n.nearest of its locale claim, or the
    # registration's language); None: the browser's.
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    person: Mapped[Person] = relationship()
    context: Mapped[Context | None] = relationship()
    membership: Mapped[Membership | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()


class UsedLinkTicket(Base):
    """A link ticket already redeemed. The primary key makes redemption atomic across
    processes: a ticket copied from a log after its owner followed it is refused."""

    __tablename__ = "used_link_ticket"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LinkLaunch(Base):
    """A person launched this resource link: the LMS released it to them. A student reaches an
    activity only through one of its links that they have launched."""

    __tablename__ = "link_launch"
    __table_args__ = (UniqueConstraint("person_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), index=True
    )
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
