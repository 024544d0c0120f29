"""Activities placed in a course, the LMS links that open them, and what students hand in.

An `Activity` belongs to one course (context). A `Placement` is what Coproduce knows about one LMS
resource link: which activity it opens (none until a facilitator sets it up) and the AGS line
item the platform named for it. A `DeepLinkRequest` keeps a deep linking launch's settings until
the facilitator has chosen, because the picker's answer comes in a later request.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Context, Person, ResourceLink
from lti_tool.models.platform import Deployment


class PlacedBy(enum.StrEnum):
    DEEP_LINK = "deep_link"  # chosen in the picker of a deep linking launch
    FIRST_LAUNCH = "first_launch"  # set up on the first launch of a plain link


class Activity(Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    # The gradebook column's maximum; 0 means the activity is not graded.
    points: Mapped[float] = mapped_column(default=0.0)
    # Phase key -> ISO date (YYYY-MM-DD); a phase without a date moves when the facilitator says.
    phase_dates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Stable id for the AGS line item (`resourceId`), unique across installations.
    resource_id: Mapped[str] = mapped_column(String(100), unique=True)
    placed_by: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # When scores go to the LMS: "live" (as they change) or "hold" (until the facilitator
    # releases them); "" means the kind's default (grading.release.mode_of).
    grade_release: Mapped[str] = mapped_column(String(10), default="")
    grades_released_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    context: Mapped[Context] = relationship()

    @property
    def graded(self) -> bool:
        return self.points > 0


class Placement(Base):
    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), unique=True
    )
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    # The `lineitem` of the launch's AGS claim (Moodle sends one for a graded link; Canvas for an
    # assignment). When present it is the activity's gradebook column.
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    bound_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource_link: Mapped[ResourceLink] = relationship()
    activity: Mapped[Activity | None] = relationship()


class DeepLinkRequest(Base):
    __tablename__ = "deep_link_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    return_url: Mapped[str] = mapped_column(String(2000))
    accept_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    accept_presentation_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    accept_multiple: Mapped[bool] = mapped_column(default=False)
    accept_lineitem: Mapped[bool] = mapped_column(default=True)
    # The request's opaque `data`, echoed unchanged in the response.
    data: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))

    deployment: Mapped[Deployment] = relationship()


class Artifact(Base):
    """What a student made in an activity, as the gradebook and reviewers see it: read-only."""

    __tablename__ = "artifact"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The secret inside the artifact's gradebook link (grading.artifact_links); a new one
    # revokes every link sent before.
    link_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()
