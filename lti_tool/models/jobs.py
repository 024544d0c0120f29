"""Scheduled jobs and the workers that run them: one row per job (when it is next due, how its
last run went) and one heartbeat row per worker loop (what /readyz reads)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class ScheduledJob(Base):
    """A job of the registry (lti_tool.jobs). A worker claims a due run by moving `next_due_at`
    on under a row lock (or a compare-and-set on SQLite), so each due time runs once however
    many workers look at the same moment."""

    __tablename__ = "scheduled_job"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_due_at: Mapped[datetime] = mapped_column(index=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    # ok | failed; the detail is the job's own summary or the exception's class name.
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_detail: Mapped[str | None] = mapped_column(String(500))
    last_worker: Mapped[str | None] = mapped_column(String(64))
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)


class WorkerHeartbeat(Base):
    """A worker loop that is alive: `beat_at` moves on every round (at most every few seconds)."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # process (`flask worker`) | inprocess (the thread inside a web process)
    kind: Mapped[str] = mapped_column(String(20))
    hostname: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
