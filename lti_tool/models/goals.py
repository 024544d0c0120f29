"""Goal setting: the activity's configuration, students' goals with every version kept, the
responses of facilitators and coaches, check-ins with their comments, and final reflections.

Rows are only added or moved forward: a student's words are never overwritten by anyone else
(product.md, "Both voices stay visible"). A draft version is the student's own scratch space until
it is submitted; from then on it is frozen and a revision is a new version.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow


class GoalStatus(enum.StrEnum):
    DRAFT = "draft"  # being written, never submitted
    PENDING = "pending"  # submitted, waiting for agreement
    CHANGES = "changes"  # a change was suggested; the student revises
    AGREED = "agreed"  # agreed: check-ins follow
    REFLECTED = "reflected"  # final reflection written: closed until re-opened


class GoalSettings(Base):
    """The goal setting configuration of one activity (its own table, keyed by activity)."""

    __tablename__ = "goal_settings"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    min_goals: Mapped[int] = mapped_column(default=1)
    max_goals: Mapped[int] = mapped_column(default=3)
    require_criterion: Mapped[bool] = mapped_column(default=False)
    # ISO dates of scheduled check-ins; empty means "any time", at least `min_checkins` times.
    checkin_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_checkins: Mapped[int] = mapped_column(default=2)
    agreed_by: Mapped[str] = mapped_column(String(20), default="both")  # facilitator|coach|both
    scoring: Mapped[str] = mapped_column(String(20), default="completion")  # |judgement
    # Completion scoring: stage key -> share of the points (agree, check_in, reflect).
    stage_points: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    judgement_scale: Mapped[int] = mapped_column(default=4)
    # Stage key -> ISO due date (shown to students; the last one closes the activity window).
    due_dates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The phase a facilitator moved the activity to (dates may move it further).
    phase: Mapped[str] = mapped_column(String(20), default="draft")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Goal(Base):
    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.DRAFT)
    # The facilitator's judgement on the configured scale (judgement scoring only).
    judgement: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[GoalVersion]] = relationship(
        order_by="GoalVersion.number", back_populates="goal"
    )


class GoalVersion(Base):
    """One version of a goal in the student's words (SMART: what, measure, plan, relevance, by
    when). The criterion it links to is kept as plain ids plus a title snapshot, so it stays
    readable whatever later happens to the rubric."""

    __tablename__ = "goal_version"
    __table_args__ = (UniqueConstraint("goal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"))
    number: Mapped[int]
    what: Mapped[str] = mapped_column(String(300))
    measure: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    relevance: Mapped[str] = mapped_column(Text, default="")
    by_when: Mapped[date | None]
    rubric_version_id: Mapped[int | None]
    criterion_id: Mapped[int | None]
    criterion_title: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="versions")


class GoalResponse(Base):
    """A facilitator's or coach's answer to a submitted version: agree, or suggest a change."""

    __tablename__ = "goal_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]
    responder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    responder_name: Mapped[str] = mapped_column(String(300))
    responder_role: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))  # agree | suggest | reopen
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckIn(Base):
    __tablename__ = "goal_check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    progress: Mapped[int]  # 0-100 %
    evidence: Mapped[str] = mapped_column(Text, default="")
    helped: Mapped[str] = mapped_column(Text, default="")
    hindered: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[int]  # 1-5
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckInComment(Base):
    __tablename__ = "goal_check_in_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("goal_check_in.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(300))
    author_role: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reflection(Base):
    """A final reflection; a re-opened goal keeps its earlier reflections (newest counts)."""

    __tablename__ = "goal_reflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # achieved | partly | not
    learned: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
