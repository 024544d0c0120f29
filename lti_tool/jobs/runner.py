"""Running the due jobs, each due time once across any number of workers.

A worker claims a run in a short transaction of its own: it locks the job's row if it is due
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so other workers pass over it rather than
wait), moves `next_due_at` on to the following due time and commits; only then does it run the
job. A second worker looking at the same moment finds the row locked or no longer due. SQLite
has no row locks: there the claim is a compare-and-set on `next_due_at` (an UPDATE that only
matches the due time it read), which one writer at a time makes safe too.

A worker that dies mid-run does not run that due time again: the next due time does the work
(every job is written to catch up on what is due, not on what happened since its last run).
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.jobs.registry import Job, JobContext, registered
from lti_tool.models import ScheduledJob, WorkerHeartbeat, utcnow
from lti_tool.settings import Settings

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """A job did part of its work and wants the run recorded as failed with this summary."""


@dataclass(frozen=True)
class JobRun:
    name: str
    outcome: str  # ok | failed
    detail: str
    seconds: float


def _insert(table: type) -> postgresql.Insert | sqlite.Insert:
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def ensure_rows(jobs: list[Job], now: datetime) -> None:
    """A row for each registered job, due now the first time a worker sees it."""
    known = set(db.session.scalars(select(ScheduledJob.name)))
    missing = [job.name for job in jobs if job.name not in known]
    if missing:
        statement = _insert(ScheduledJob).on_conflict_do_nothing(index_elements=["name"])
        db.session.execute(
            statement,
            [{"name": name, "next_due_at": now, "runs": 0, "failures": 0} for name in missing],
        )
    db.session.commit()


def following_due(job: Job, due: datetime, now: datetime, settings: Settings) -> datetime:
    """The next due time after `due`; after downtime, the next one after now (missed due times
    are not run one by one)."""
    following = job.schedule(due, settings)
    if following <= now:
        following = job.schedule(now, settings)
    return following


def claim(job: Job, now: datetime, worker_id: str, settings: Settings) -> bool:
    """Claim the run of `job` due at or before `now`; True when this worker is to run it."""
    if db.engine.dialect.name == "postgresql":
        row = db.session.scalars(
            select(ScheduledJob)
            .where(ScheduledJob.name == job.name, ScheduledJob.next_due_at <= now)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            db.session.rollback()
            return False
        row.next_due_at = following_due(job, row.next_due_at, now, settings)
        row.last_started_at, row.last_worker = now, worker_id[:64]
        db.session.commit()
        return True
    due = db.session.scalar(
        select(ScheduledJob.next_due_at).where(
            ScheduledJob.name == job.name, ScheduledJob.next_due_at <= now
        )
    )
    if due is None:
        db.session.rollback()
        return False
    result = db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == job.name, ScheduledJob.next_due_at == due)
        .values(
            next_due_at=following_due(job, due, now, settings),
            last_started_at=now,
            last_worker=worker_id[:64],
        )
    )
    db.session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _record(name: str, outcome: str, detail: str) -> None:
    failed = 1 if outcome == "failed" else 0
    db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == name)
        .values(
            last_finished_at=utcnow(),
            last_outcome=outcome,
            last_detail=detail[:500],
            runs=ScheduledJob.runs + 1,
            failures=ScheduledJob.failures + failed,
        )
    )
    db.session.commit()


def execute(job: Job, context: JobContext) -> JobRun:
    """Run a claimed job and record how it went (a failure never escapes)."""
    started = time.perf_counter()
    try:
        detail, outcome = job.run(context) or "", "ok"
    except JobFailed as exc:
        db.session.rollback()
        detail, outcome = str(exc), "failed"
        log.warning("job %s failed: %s", job.name, detail)
    except Exception as exc:  # a bad job must not stop the worker or the other jobs
        db.session.rollback()
        detail, outcome = exc.__class__.__name__, "failed"
        log.exception("job %s failed", job.name)
    seconds = time.perf_counter() - started
    metrics.job_run(job.name, outcome, seconds)
    try:
        _record(job.name, outcome, detail)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("job %s: could not record its outcome", job.name)
    log.info("job %s: %s in %.2fs: %s", job.name, outcome, seconds, detail)
    return JobRun(job.name, outcome, detail, seconds)


def run_due_jobs(
    settings: Settings, worker_id: str, now: datetime | None = None, today: date | None = None
) -> list[JobRun]:
    """Claim and run every job that is due (inside an app context). Returns the runs made."""
    if not settings.JOB_SCHEDULER:
        return []
    now = now or utcnow()
    jobs = registered()
    runs: list[JobRun] = []
    try:
        ensure_rows(jobs, now)
    except SQLAlchemyError as exc:  # e.g. a database not migrated yet: try again next round
        db.session.rollback()
        log.warning("scheduled jobs unavailable: %s", exc.__class__.__name__)
        return runs
    context = JobContext(settings, now, today or date.today(), worker_id)
    for job in jobs:
        try:
            claimed = claim(job, now, worker_id, settings)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("job %s: claim failed", job.name)
            continue
        if claimed:
            runs.append(execute(job, context))
    return runs


def seconds_until_next_job(settings: Settings, cap: float) -> float:
    """How long until the next job is due (at most `cap`)."""
    if not settings.JOB_SCHEDULER:
        return cap
    names = [job.name for job in registered()]
    if not names:
        return cap
    try:
        # Only registered jobs: the row of a job no longer registered stays due for ever.
        due = db.session.scalar(
            select(func.min(ScheduledJob.next_due_at)).where(ScheduledJob.name.in_(names))
        )
    except SQLAlchemyError:
        db.session.rollback()
        return cap
    db.session.rollback()
    if due is None:
        return 0.0  # rows not made yet: the next round makes them
    return max(0.0, min(cap, (due - utcnow()).total_seconds()))


# -- heartbeats ------------------------------------------------------------------------------

HEARTBEAT_EVERY = timedelta(seconds=10)


class Heartbeat:
    """A worker loop's heartbeat row, written at most every HEARTBEAT_EVERY."""

    def __init__(self, worker_id: str, kind: str) -> None:
        self.worker_id, self.kind = worker_id[:64], kind
        self._last: datetime | None = None
        self._started = utcnow()

    def beat(self, force: bool = False) -> None:
        now = utcnow()
        if not force and self._last is not None and now - self._last < HEARTBEAT_EVERY:
            return
        values = {
            "worker_id": self.worker_id,
            "kind": self.kind,
            "hostname": socket.gethostname()[:255],
            "started_at": self._started,
            "beat_at": now,
        }
        statement = _insert(WorkerHeartbeat).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["worker_id"], set_={"beat_at": now}
        )
        try:
            db.session.execute(statement)
            db.session.commit()
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("worker %s: heartbeat not written: %s", self.worker_id, exc)
            return
        self._last = now

    def stop(self) -> None:
        """A clean stop removes the row: an orchestrator should not wait for it to go stale."""
        try:
            db.session.execute(
                WorkerHeartbeat.__table__.delete().where(  # type: ignore[attr-defined]
                    WorkerHeartbeat.worker_id == self.worker_id
                )
            )
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()


def latest_heartbeat() -> datetime | None:
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
