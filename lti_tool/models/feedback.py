"""Feedback rounds: configuration, rubric criteria, submissions, reviewer allocations, reviews
with per-criterion comments (and the author's responses and staff endorsements), revision plans,
and scores with their contests.

Every row carries `activity_id`, so a query scoped by the activity (itself scoped by the course)
never reaches another course's work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Person


class FeedbackConfig(Base):
    """One feedback rounds activity's own settings and where it stands (round and phase)."""

    __tablename__ = "feedback_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    # "direct" (criteria entered here) or "cocreated" (copied from a finalised rubric version).
    rubric_source: Mapped[str] = mapped_column(String(20), default="direct")
    rubric_version_id: Mapped[int | None]
    rounds: Mapped[int] = mapped_column(default=2)
    reviewers_per_submission: Mapped[int] = mapped_column(default=3)
    allocation: Mapped[str] = mapped_column(String(20), default="random")
    self_review: Mapped[bool] = mapped_column(default=False)
    staff_review: Mapped[bool] = mapped_column(default=True)
    anonymity: Mapped[str] = mapped_column(String(20), default="double_blind")
    aggregate: Mapped[str] = mapped_column(String(20), default="median")
    weight_peer: Mapped[float] = mapped_column(default=0.6)
    weight_self: Mapped[float] = mapped_column(default=0.0)
    weight_staff: Mapped[float] = mapped_column(default=0.2)
    weight_reviewing: Mapped[float] = mapped_column(default=0.2)
    reshuffle: Mapped[bool] = mapped_column(default=True)
    late_policy: Mapped[str] = mapped_column(String(20), default="accept")
    # Round number (str) -> {phase key: ISO date}; an undated phase moves when the facilitator says.
    round_dates: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    # Person id (str) -> group label, for allocation outside the author's group. The roster
    # carries no LMS groups or sections yet, so the facilitator enters them.
    groups: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    current_round: Mapped[int] = mapped_column(default=1)
    current_phase: Mapped[str] = mapped_column(String(20), default="submit")
    seed: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeedbackCriterion(Base):
    """A rubric criterion as this activity assesses it; `levels` is [{title, description,
    points}] from lowest to highest. Co-created criteria are copied from the recorded version."""

    __tablename__ = "feedback_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(default=1.0)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_criterion_id: Mapped[int | None]
    # A revised co-created rubric replaces the criteria from a round on; the old ones stay for
    # the rounds assessed with them (issue 17: past assessments keep their version).
    from_round: Mapped[int] = mapped_column(default=1)
    retired_in_round: Mapped[int | None]


class FeedbackSubmission(Base):
    __tablename__ = "feedback_submission"
    __table_args__ = (UniqueConstraint("activity_id", "person_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    round: Mapped[int]
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(1000))
    # Stored under the instance path with a generated name; never the uploader's file name.
    file_key: Mapped[str | None] = mapped_column(String(64))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_ext: Mapped[str | None] = mapped_column(String(10))
    file_size: Mapped[int | None]
    group_label: Mapped[str | None] = mapped_column(String(200))
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()


class FeedbackAllocation(Base):
    """`reviewer` reviews `submission`: a peer (allocated), the author themself, or staff."""

    __tablename__ = "feedback_allocation"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int]
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_submission.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # "peer", "self" or "staff"
    kind: Mapped[str] = mapped_column(String(10), default="peer")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[FeedbackSubmission] = relationship()
    reviewer: Mapped[Person] = relationship()


class FeedbackReview(Base):
    __tablename__ = "feedback_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_allocation.id", ondelete="CASCADE"), unique=True
    )
    overall: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]  # None while it is a draft
    helpfulness: Mapped[int | None]  # the author's rating, 1-5
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    allocation: Mapped[FeedbackAllocation] = relationship()


class FeedbackComment(Base):
    """One criterion of one review: the level chosen, the comment, the author's response and a
    staff endorsement."""

    __tablename__ = "feedback_comment"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_review.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_criterion.id", ondelete="CASCADE")
    )
    level: Mapped[int | None]  # index into the criterion's levels
    comment: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str | None] = mapped_column(String(10))  # "act" or "wont"
    response_reason: Mapped[str] = mapped_column(Text, default="")
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    endorsed_role: Mapped[str | None] = mapped_column(String(20))


class FeedbackRevisionPlan(Base):
    __tablename__ = "feedback_revision_plan"
    __table_args__ = (UniqueConstraint("activity_id", "person_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    round: Mapped[int]
    plan: Mapped[str] = mapped_column(Text, default="")
    comment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    goal_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeedbackScore(Base):
    """A student's computed score, how it was made, an override, and a contest of it."""

    __tablename__ = "feedback_score"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    computed: Mapped[float | None]  # fraction 0..1
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    override: Mapped[float | None]  # fraction 0..1
    override_reason: Mapped[str] = mapped_column(Text, default="")
    sent: Mapped[float | None]  # the fraction last put in the outbox
    contest_comment: Mapped[str] = mapped_column(Text, default="")
    contest_status: Mapped[str | None] = mapped_column(String(20))  # open, kept, overridden
    contest_resolution: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()

    @property
    def final(self) -> float | None:
        return self.override if self.override is not None else self.computed
