"""Grade delivery: each activity's gradebook column (AGS line item) and the outbox of scores.

One `OutboxScore` row per (activity, person) holds the newest score to deliver and its delivery
state. A newer score overwrites the row (and bumps `version`) in the transaction that changed it,
so only the newest pending score per line item and user is ever sent, and it survives a crash.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.activity import Activity
from lti_tool.models.base import Base, utcnow
from lti_tool.models.course import Person


class LineItemState(enum.StrEnum):
    UNGRADED = "ungraded"  # the activity has no points: no column
    DECLARED = "declared"  # sent in a deep linking response: the platform creates it
    WANTED = "wanted"  # to be found (by resource id / link) or created by us
    READY = "ready"  # url known
    STALE = "stale"  # url known; label or maximum changed, to be updated
    UNAVAILABLE = "unavailable"  # the course offers no line item service
    REFUSED = "refused"  # the platform refused the column for good, or attempts ran out


class LineItem(Base):
    __tablename__ = "line_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(20), default=LineItemState.WANTED)
    error: Mapped[str | None] = mapped_column(String(500))
    # The class of the last failure (grading.problems) and the platform's answer, as received.
    problem: Mapped[str | None] = mapped_column(String(40))
    last_response: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    activity: Mapped[Activity] = relationship()

    @property
    def usable(self) -> bool:
        return self.url is not None and self.state in (LineItemState.READY, LineItemState.STALE)


class DeliveryStatus(enum.StrEnum):
    HELD = "held"  # waits for the facilitator to release the activity's grades
    PENDING = "pending"  # to be sent at next_attempt_at (retrying when attempts > 0)
    DELIVERED = "delivered"
    REJECTED = "rejected"  # the platform refused it for good (e.g. user not gradable)
    FAILED = "failed"  # gave up after the attempts allowed; can be retried by hand


class OutboxScore(Base):
    __tablename__ = "outbox_score"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id"),
        Index("ix_outbox_score_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))

    score_given: Mapped[float | None]
    score_maximum: Mapped[float]
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    # Canvas's submission extension (sent to Canvas-family platforms only).
    submission: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Strictly increasing per (activity, person), with microseconds: platforms ignore (Canvas:
    # refuse) a score older than the last one they hold.
    score_timestamp: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    delivered_version: Mapped[int] = mapped_column(default=0)

    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    claimed_version: Mapped[int | None]
    last_http_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The class of the last failure (grading.problems) and the platform's answer, as received.
    problem: Mapped[str | None] = mapped_column(String(40))
    last_response: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]

    # Who decided the score: the automatic rule's latest value is always kept; a facilitator's
    # hand score, once given, is what goes to the LMS until they return to the automatic one.
    automatic_score: Mapped[float | None]
    automatic_comment: Mapped[str | None] = mapped_column(Text)
    manual_score: Mapped[float | None]
    manual_comment: Mapped[str | None] = mapped_column(Text)
    manual_at: Mapped[datetime | None]
    # What the student may see of their own score: the value last released (or sent, when the
    # activity sends scores as they change).
    released_score: Mapped[float | None]
    released_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()
    activity: Mapped[Activity] = relationship()
