"""The sandbox LMS's own data: links placed by deep linking, gradebook columns and scores, the
access tokens it issued, and its test settings (faults, roster size).

Its tables live on their own metadata, outside the tool's schema and migrations (the sandbox
is a test platform; production never has these tables). They are created on first use, in the
same database, so every process of a test or benchmark sees the same gradebook.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Engine, MetaData, String, Text, UniqueConstraint, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from lti_tool.models.base import NAMING_CONVENTION, UTCDateTime, utcnow


class SandboxBase(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class StoredLink(SandboxBase):
    """A resource link the tool returned in a deep linking response."""

    __tablename__ = "sandbox_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    custom: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    presentation: Mapped[str | None] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GradebookColumn(SandboxBase):
    """An AGS line item in the sandbox course."""

    __tablename__ = "sandbox_line_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    score_maximum: Mapped[float]
    resource_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    resource_link_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ColumnReview(SandboxBase):
    """A line item's `submissionReview` (LTI Submission Review 1.0), as the tool sent it: the
    Moodle profile's gradebook offers "Review" only for columns that carry one."""

    __tablename__ = "sandbox_line_item_review"

    line_item_id: Mapped[int] = mapped_column(primary_key=True)
    review: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReceivedScore(SandboxBase):
    """Every distinct score the sandbox accepted. A score sent again with the same timestamp is
    the same score (AGS: the timestamp orders scores), counted in `replays`, never a new row."""

    __tablename__ = "sandbox_score"
    __table_args__ = (UniqueConstraint("line_item_id", "user_id", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int]
    user_id: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float | None]
    score_maximum: Mapped[float | None]
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    submission: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    timestamp: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    replays: Mapped[int] = mapped_column(default=0)


class IssuedToken(SandboxBase):
    __tablename__ = "sandbox_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(100), unique=True)
    jti: Mapped[str] = mapped_column(String(255), unique=True)  # of the client assertion
    client_id: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxSetting(SandboxBase):
    __tablename__ = "sandbox_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


_ready: set[str] = set()
_guard = threading.Lock()


def ensure_tables(engine: Engine) -> None:
    """Create the sandbox's tables in this database once per process (idempotent, and safe when
    another thread or process creates them at the same moment)."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _ready:
        return
    with _guard:
        if key in _ready:
            return
        for attempt in range(3):
            if set(SandboxBase.metadata.tables) <= set(inspect(engine).get_table_names()):
                break
            try:
                SandboxBase.metadata.create_all(engine)
            except DBAPIError:
                if attempt == 2:
                    raise  # not a race: a real problem with the database
        _ready.add(key)
