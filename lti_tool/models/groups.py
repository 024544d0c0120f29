"""Groups and sections of a course as the LMS tells them (launch substitution values, the Course
Groups Service), and what feedback rounds make of them: the group set an activity uses, the
membership frozen when a round is allocated, and team-member evaluation ratings.

Every row carries `context_id` (course data) or `activity_id` (activity data), so a query scoped
by the course or the activity never reaches another course's groups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class CourseGroupSet(Base):
    """A set of groups of one course (a Canvas group category, a Moodle grouping, a Course Groups
    Service group set) or the course's sections. `source` says where it came from: "canvas",
    "moodle", "groups_service", "sections" or "sandbox"."""

    __tablename__ = "course_group_set"
    __table_args__ = (UniqueConstraint("context_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(300))
    # "groups" (work together, review outside) or "sections" (review within)
    kind: Mapped[str] = mapped_column(String(10), default="groups")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CourseGroup(Base):
    __tablename__ = "course_group"
    __table_args__ = (UniqueConstraint("set_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[int] = mapped_column(ForeignKey("course_group_set.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(300))


class CourseGroupMember(Base):
    __tablename__ = "course_group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("course_group.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseGroupsService(Base):
    """The Course Groups Service endpoints of one course, as its latest launch named them."""

    __tablename__ = "course_groups_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), unique=True
    )
    groups_url: Mapped[str] = mapped_column(String(1000))
    group_sets_url: Mapped[str | None] = mapped_column(String(1000))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    synced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeedbackGroupConfig(Base):
    """How one feedback rounds activity uses LMS groups: the group set (None: the typed groups),
    one submission per group, and team-member evaluation with an optional contribution factor."""

    __tablename__ = "feedback_group_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    group_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_group_set.id", ondelete="SET NULL")
    )
    group_submissions: Mapped[bool] = mapped_column(default=False)
    team_evaluation: Mapped[bool] = mapped_column(default=False)
    contribution_factor: Mapped[bool] = mapped_column(default=False)
    factor_min: Mapped[float] = mapped_column(default=0.5)
    factor_max: Mapped[float] = mapped_column(default=1.2)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeedbackGroupSnapshot(Base):
    """Who was in which group when a round was allocated: the round keeps this membership even
    if the LMS changes its groups mid-round. `members` maps person id (str) -> group name."""

    __tablename__ = "feedback_group_snapshot"
    __table_args__ = (UniqueConstraint("activity_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    round: Mapped[int]
    group_set_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(10), default="groups")
    members: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeamRating(Base):
    """One member's rating of a teammate on one behaviour-anchored criterion (a level index)."""

    __tablename__ = "team_rating"
    __table_args__ = (UniqueConstraint("activity_id", "rater_id", "ratee_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(40))
    level: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
