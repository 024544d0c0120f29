"""Peer assessment that earns trust (issue 17): an activity's reliability settings, calibration
exemplars with the facilitator's assessment, and students' calibration attempts.

Its own tables keyed by the activity, beside the feedback rounds tables (models.feedback), so
the settings of calibration and weighting never crowd the rounds' own configuration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class FeedbackReliability(Base):
    """One feedback rounds activity's calibration, discrepancy and transparency settings."""

    __tablename__ = "feedback_reliability"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    # A submission is queued for staff when its peers' levels on a criterion spread by at
    # least this many levels; 0 turns the queue off.
    discrepancy_threshold: Mapped[int] = mapped_column(default=2)
    # Each comment a facilitator or coach endorsed counts as this many top helpfulness ratings.
    endorsement_weight: Mapped[float] = mapped_column(default=1.0)
    calibration: Mapped[bool] = mapped_column(default=False)
    calibration_second_try: Mapped[bool] = mapped_column(default=False)
    calibration_required: Mapped[bool] = mapped_column(default=False)
    calibration_published_at: Mapped[datetime | None]
    # After a round's review phase, reviewers may read the other reviews of work they reviewed.
    show_other_reviews: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeedbackExemplar(Base):
    """A piece of work the facilitator assesses for calibration. `levels` and `comments` map a
    criterion id (as a string) to the facilitator's level index and their why."""

    __tablename__ = "feedback_exemplar"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # Where it came from: "uploaded", or a submission of this course chosen with consent.
    source: Mapped[str] = mapped_column(String(20), default="uploaded")
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackCalibration(Base):
    """A student's assessment of one exemplar (attempt 1, or 2 when a second try is allowed)."""

    __tablename__ = "feedback_calibration"
    __table_args__ = (UniqueConstraint("exemplar_id", "person_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    exemplar_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_exemplar.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(default=1)
    levels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RubricRevision(Base):
    """A "revise the rubric" phase opened on a rubric co-creation activity from a feedback
    rounds activity that assessed with one of its versions, with the evidence students see
    while they propose changes: per criterion, agreement, calibration error, helpfulness."""

    __tablename__ = "rubric_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    source_activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL")
    )
    from_version_id: Mapped[int | None]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
