"""Running the delivery and the scheduled jobs: `flask --app lti_tool worker` (one or many
processes, on one or many machines), and the in-process worker that the single-machine default
wakes after each commit (and starts with the first request, for the jobs).

Each round writes the worker's heartbeat, runs the jobs that are due (each due time once across
all workers, lti_tool.jobs) and delivers the scores that are due. Both sleep until the next row
or job is due (a retry's backoff, a lease running out), never longer than POLL_SECONDS, since
another process may have added rows meanwhile.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

import click
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.extensions import db
from lti_tool.grading.delivery import Deliverer, DeliveryOptions, RoundReport
from lti_tool.grading.outbox import next_due
from lti_tool.jobs.runner import Heartbeat, run_due_jobs, seconds_until_next_job
from lti_tool.models import utcnow
from lti_tool.settings import Settings

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
IDLE_SECONDS = 60.0
# Never less between rounds: a row due "now" that another worker holds must not spin us.
MIN_WAIT_SECONDS = 0.05
MAX_FAILED_ROUNDS = 5


def _seconds_until_next_due(cap: float) -> float:
    due = next_due(utcnow())
    db.session.rollback()
    if due is None:
        return cap
    return max(0.0, min(cap, (due - utcnow()).total_seconds()))


def _seconds_until_next_work(settings: Settings, cap: float) -> float:
    return min(_seconds_until_next_due(cap), seconds_until_next_job(settings, cap))


class InProcessWorker:
    """A delivery thread inside a web process, started by the first kick and woken by later ones."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def kick(self) -> None:
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="outbox-inprocess", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        settings: Settings = self.app.extensions["coproduce.settings"]
        deliverer = Deliverer(DeliveryOptions.of(settings), worker_id="inproc-" + _short_id())
        heartbeat = Heartbeat(deliverer.worker_id, "inprocess")
        failures = 0
        try:
            while not self._stop.is_set() and failures < MAX_FAILED_ROUNDS:
                self._wake.clear()
                wait = POLL_SECONDS
                with self.app.app_context():
                    try:
                        heartbeat.beat()
                        run_due_jobs(settings, deliverer.worker_id)
                        deliverer.run_until_idle()
                        wait = _seconds_until_next_work(settings, IDLE_SECONDS)
                        failures = 0
                    except Exception:  # one bad round must not end delivery...
                        failures += 1
                        log.exception("in-process delivery round failed (%s in a row)", failures)
                        db.session.rollback()
                    finally:
                        db.session.remove()
                self._wake.wait(timeout=max(MIN_WAIT_SECONDS, wait))
            # ...but a database that keeps failing ends the thread; the next kick starts another.
        finally:
            deliverer.close()


def _short_id() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


def kick(app: Flask | None = None) -> None:
    """Call after committing a score change: the single-machine default delivers at once.
    With OUTBOX_INPROCESS_WORKER off, `flask worker` processes pick the row up instead."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["coproduce.settings"]
    if not settings.OUTBOX_INPROCESS_WORKER:
        return
    worker = app.extensions.get("coproduce.outbox_worker")
    if worker is None:
        worker = app.extensions.setdefault("coproduce.outbox_worker", InProcessWorker(app))
    worker.kick()


def resume_after_restart(app: Flask) -> None:
    """Once per process, on its first request: if scores are waiting (a retry scheduled before a
    restart), wake the in-process worker for them; otherwise it starts with the next score."""
    if app.extensions.get("coproduce.outbox_resume_checked"):
        return
    app.extensions["coproduce.outbox_resume_checked"] = True
    settings: Settings = app.extensions["coproduce.settings"]
    if not settings.OUTBOX_INPROCESS_WORKER:
        return
    try:
        waiting = next_due(utcnow()) is not None
    except SQLAlchemyError as exc:  # e.g. a database not migrated yet: the request decides
        db.session.rollback()
        log.warning("could not look for waiting scores: %s", exc.__class__.__name__)
        return
    if waiting:
        kick(app)


def run_worker(settings: Settings, *, once: bool = False) -> RoundReport:
    """The worker loop (inside an app context). Stops cleanly on SIGTERM/SIGINT after the round
    in flight; a kill -9 instead leaves claimed rows to be re-sent when their lease runs out."""
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("worker stopping after this round (signal %s)", signum)
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    deliverer = Deliverer(DeliveryOptions.of(settings))
    heartbeat = Heartbeat(deliverer.worker_id, "process")
    total = RoundReport()
    log.info("worker %s started", deliverer.worker_id)
    try:
        while not stopping.is_set():
            heartbeat.beat()
            run_due_jobs(settings, deliverer.worker_id)
            report = deliverer.run_until_idle()
            total.add(report)
            if report.claimed or report.columns:
                log.info(
                    "worker %s: delivered=%s retried=%s rejected=%s columns=%s",
                    deliverer.worker_id,
                    report.delivered,
                    report.retried,
                    report.rejected,
                    report.columns,
                )
            if once:
                break
            stopping.wait(max(MIN_WAIT_SECONDS, _seconds_until_next_work(settings, POLL_SECONDS)))
            db.session.remove()
    finally:
        heartbeat.stop()
        deliverer.close()
    return total


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs, deliver what is due now, then exit.")
def worker_command(once: bool) -> None:
    """Deliver scores from the outbox to the platforms' gradebooks and run the scheduled jobs
    (runs until stopped)."""
    settings: Settings = current_app.extensions["coproduce.settings"]
    started = time.monotonic()
    total = run_worker(settings, once=once)
    click.echo(
        f"delivered={total.delivered} retried={total.retried} rejected={total.rejected} "
        f"columns={total.columns} in {time.monotonic() - started:.1f}s"
    )


def init_cli(app: Flask) -> None:
    app.cli.add_command(worker_command)
