"""The registry of scheduled jobs: a name, when it is next due, and what it does.

A job's `schedule` takes the time the run was due (or first seen) and the settings and answers
the next due time; `every(...)` makes the usual fixed interval. Registering a name again
replaces the job, which is how a later feature fills in a placeholder hook ("reminders",
"retention") without touching the scheduler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lti_tool.settings import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job is given: the settings, the time its run was claimed and the day it is."""

    settings: Settings
    now: datetime
    today: date
    worker_id: str


Schedule = Callable[[datetime, Settings], datetime]
JobFunction = Callable[[JobContext], str]


@dataclass(frozen=True)
class Job:
    """A scheduled job. `run` commits its own work and returns a short summary (kept on the
    job's row and shown on the console's health page); raising marks the run failed."""

    name: str
    schedule: Schedule
    run: JobFunction
    description: str = ""


def every(interval: int | str) -> Schedule:
    """A fixed interval in seconds, or the name of the setting that holds it."""

    def schedule(after: datetime, settings: Settings) -> datetime:
        seconds = getattr(settings, interval) if isinstance(interval, str) else interval
        return after + timedelta(seconds=max(1, int(seconds)))

    return schedule


def daily_at(hour: int, minute: int = 0) -> Schedule:
    """Once a day at hour:minute UTC (the next such time after `after`)."""

    def schedule(after: datetime, settings: Settings) -> datetime:
        due = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return due if due > after else due + timedelta(days=1)

    return schedule


_JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a job, or replace the job of that name."""
    if not job.name or len(job.name) > 80:
        raise ValueError("a job needs a name of at most 80 characters")
    _JOBS[job.name] = job
    return job


def unregister(name: str) -> None:
    _JOBS.pop(name, None)


def registered() -> list[Job]:
    """The jobs, in a stable order (by name)."""
    _load_builtin()
    return [_JOBS[name] for name in sorted(_JOBS)]


def get(name: str) -> Job | None:
    _load_builtin()
    return _JOBS.get(name)


_builtin_loaded = False
_builtin_lock = threading.RLock()


def _load_builtin() -> None:
    # Imported late: the built-in jobs import activities, roster and session code, which must
    # not load when only the registry is needed (a kind registering its phase clock). Marked
    # loaded only once imported, under a lock: threads starting together (three workers)
    # otherwise saw "loaded" before the jobs were registered, and a job of None.
    global _builtin_loaded
    if _builtin_loaded:
        return
    with _builtin_lock:
        if not _builtin_loaded:
            from lti_tool.jobs import builtin  # noqa: F401

            _builtin_loaded = True
