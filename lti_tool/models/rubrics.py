"""Rubric co-creation: the class proposes criteria, the facilitator merges or declines them (with
a reason), everyone votes, students draft level descriptors, and the facilitator publishes
numbered versions.

Nothing a student wrote is deleted or rewritten: a proposal keeps its words and gains a fate
(accepted, merged into a criterion, declined with a reason); an accepted level keeps a pointer to
the draft it came from, so an edit shows as an edit. A ballot is one row per voter (its row lock
serialises that voter's concurrent changes); its votes are unique per criterion.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Person


class VoteMode(enum.StrEnum):
    DOTS = "dots"  # a budget of dots per person, several allowed on one criterion
    WEIGHTS = "weights"  # each person spreads 100 points of weight over the criteria


class ProposalFate(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # became a criterion as written
    MERGED = "merged"  # folded into a criterion with others
    DECLINED = "declined"  # with a reason shown to its author


class RubricSetup(Base):
    """The kind-specific configuration of one rubric co-creation activity."""

    __tablename__ = "rubric_setup"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    # The phase the facilitator moved to by hand; phase dates can move it further, never back.
    phase: Mapped[str] = mapped_column(String(20), default="propose")
    anonymous: Mapped[bool] = mapped_column(default=False)
    vote_mode: Mapped[str] = mapped_column(String(20), default=VoteMode.DOTS)
    dot_budget: Mapped[int] = mapped_column(default=5)
    criteria_count: Mapped[int] = mapped_column(default=4)
    # Instead of a count: every criterion whose vote total reaches this many points.
    criteria_threshold: Mapped[int | None]
    # Points of each level, lowest first (e.g. [1, 2, 3, 4]); its length is the level count.
    level_points: Mapped[list[float]] = mapped_column(JSON, default=lambda: [1.0, 2.0, 3.0, 4.0])
    seed: Mapped[str] = mapped_column(Text, default="")
    participation_scored: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Criterion(Base):
    """A criterion under discussion: made by accepting one proposal or merging several."""

    __tablename__ = "rubric_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    selected: Mapped[bool] = mapped_column(default=False)
    # Set by hand at finalising; None means the vote decides.
    manual_weight: Mapped[float | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Proposal(Base):
    __tablename__ = "rubric_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    fate: Mapped[str] = mapped_column(String(20), default=ProposalFate.OPEN)
    criterion_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubric_criterion.id", ondelete="SET NULL")
    )
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    criterion: Mapped[Criterion | None] = relationship()


class ProposalComment(Base):
    __tablename__ = "rubric_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_proposal.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship()


class Ballot(Base):
    __tablename__ = "rubric_ballot"
    __table_args__ = (UniqueConstraint("activity_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    changes: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Base):
    __tablename__ = "rubric_vote"
    __table_args__ = (UniqueConstraint("ballot_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("rubric_ballot.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criterion.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int]


class LevelDraft(Base):
    """A student's (or anyone's) wording for one level of one criterion."""

    __tablename__ = "rubric_level_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criterion.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # 0 = lowest level
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship()


class Level(Base):
    """The accepted wording of one level; `draft_id` keeps the original it was edited from."""

    __tablename__ = "rubric_level"
    __table_args__ = (UniqueConstraint("criterion_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    points: Mapped[float]
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubric_level_draft.id", ondelete="SET NULL")
    )
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    draft: Mapped[LevelDraft | None] = relationship()


class RubricVersion(Base):
    """A published, immutable rubric: what assessments point at (by id) and keep."""

    __tablename__ = "rubric_version"
    __table_args__ = (UniqueConstraint("activity_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    # Denormalised so other activities find a course's rubrics without a join.
    context_id: Mapped[int] = mapped_column(
        ForeignKey("context.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # {"criteria": [{"id", "title", "description", "weight", "levels": [{title, description,
    # points}]}]}
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
