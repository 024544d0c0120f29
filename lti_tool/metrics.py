"""Prometheus metrics (the official prometheus_client), served at /metrics by lti_tool.ops.

Under gunicorn every worker process counts on its own; with PROMETHEUS_MULTIPROC_DIR set, each
writes its counters to files there and a scrape adds them up (prometheus_client's multiprocess
mode). The shipped gunicorn config calls `on_starting` (prepare an empty directory before the
workers start) and `child_exit` (a dead worker's live gauges are dropped). The variable must be
in the environment before prometheus_client is imported: with gunicorn's `preload_app`, set it
in the environment that starts gunicorn, not only in its config.

Outbox depth and worker heartbeats are read from the database at scrape time, so any process
answers the same.

Labels are bounded by construction: outcome codes, Flask endpoint names (never a path with
ids), platform ids, job names. `_label` refuses anything else, so a token or URL can never
become a label value by mistake.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

LAUNCHES = Counter(
    "coproduce_launches_total",
    "LTI launches by outcome (ok, an error code, or http_<status>)",
    ["outcome"],
)
REQUEST_SECONDS = Histogram(
    "coproduce_request_duration_seconds",
    "Request latency by Flask endpoint",
    ["endpoint", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DELIVERIES = Counter(
    "coproduce_deliveries_total",
    "Score deliveries to gradebooks by platform id and outcome",
    ["platform", "outcome"],
)
TOKEN_FETCHES = Counter(
    "coproduce_token_fetches_total",
    "OAuth2 access token requests by platform id and outcome",
    ["platform", "outcome"],
)
JWKS_FETCHES = Counter(
    "coproduce_jwks_fetches_total", "Platform key set (JWKS) fetches by outcome", ["outcome"]
)
ROSTER_SYNC_SECONDS = Histogram(
    "coproduce_roster_sync_duration_seconds",
    "Roster (NRPS) sync duration by outcome",
    ["outcome"],
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)
JOB_RUNS = Counter(
    "coproduce_job_runs_total", "Scheduled job runs by job and outcome", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "coproduce_job_duration_seconds",
    "Scheduled job run duration by job",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)


def _label(value: object) -> str:
    text = str(value)
    return text if _SAFE.match(text) else "other"


# -- the one-line calls at the code points ------------------------------------------------------


def launch_outcome(code: str) -> None:
    """Count a launch's outcome ("ok" or its error code). Called by the launch code; when it is
    not, the request hook counts the launch by HTTP status instead."""
    LAUNCHES.labels(outcome=_label(code)).inc()
    try:
        from flask import g, has_request_context

        if has_request_context():
            g.coproduce_launch_counted = True
    except ImportError:  # pragma: no cover
        pass


def observe_request(endpoint: str | None, method: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint=_label(endpoint or "unmatched"), method=_label(method)).observe(
        seconds
    )


def delivery(platform_id: int, outcome: str) -> None:
    DELIVERIES.labels(platform=_label(platform_id), outcome=_label(outcome)).inc()


def token_fetch(platform_id: int, ok: bool) -> None:
    TOKEN_FETCHES.labels(platform=_label(platform_id), outcome="ok" if ok else "failed").inc()


def jwks_fetch(ok: bool) -> None:
    JWKS_FETCHES.labels(outcome="ok" if ok else "failed").inc()


def roster_sync(seconds: float, outcome: str) -> None:
    ROSTER_SYNC_SECONDS.labels(outcome=_label(outcome)).observe(seconds)


def job_run(name: str, outcome: str, seconds: float) -> None:
    JOB_RUNS.labels(job=_label(name), outcome=_label(outcome)).inc()
    JOB_SECONDS.labels(job=_label(name)).observe(seconds)


F = TypeVar("F", bound=Callable[..., Any])


def times_roster_sync(function: F) -> F:
    """Decorates the roster sync: its duration, by outcome (ok, refused, failed)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = function(*args, **kwargs)
            outcome = "ok"
            return result
        except Exception as exc:
            if exc.__class__.__name__ == "RosterError":
                outcome = "refused"
            raise
        finally:
            roster_sync(time.perf_counter() - started, outcome)

    return wrapper  # type: ignore[return-value]


# -- figures read from the database at scrape time ---------------------------------------------


class DatabaseCollector(Collector):
    """Outbox depth by state, the age of the oldest score due and the newest worker heartbeat.
    Needs an app context (the scrape has one)."""

    def collect(self) -> Iterator[Metric]:
        from flask import has_app_context
        from sqlalchemy import func, select
        from sqlalchemy.exc import SQLAlchemyError

        from lti_tool.extensions import db
        from lti_tool.models import DeliveryStatus, OutboxScore, WorkerHeartbeat, utcnow

        if not has_app_context():
            return
        now = utcnow()
        depth = GaugeMetricFamily(
            "coproduce_outbox_depth", "Scores in the outbox by state", labels=["state"]
        )
        oldest = GaugeMetricFamily(
            "coproduce_outbox_oldest_due_age_seconds",
            "How long the longest-waiting score that is due now has been due (0: none)",
        )
        heartbeat = GaugeMetricFamily(
            "coproduce_worker_heartbeat_age_seconds",
            "Seconds since the newest worker heartbeat (-1: none)",
        )
        try:
            counts = dict(
                db.session.execute(
                    select(OutboxScore.status, func.count(OutboxScore.id))
                    .where(OutboxScore.status != DeliveryStatus.DELIVERED)
                    .group_by(OutboxScore.status)
                ).all()
            )
            first_due = db.session.scalar(
                select(func.min(OutboxScore.next_attempt_at)).where(
                    OutboxScore.status == DeliveryStatus.PENDING,
                    OutboxScore.next_attempt_at <= now,
                )
            )
            beat = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
        except SQLAlchemyError:
            db.session.rollback()
            return
        db.session.rollback()
        for state in (DeliveryStatus.HELD, DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            depth.add_metric([state.value], float(counts.get(state, 0)))
        oldest.add_metric([], (now - first_due).total_seconds() if first_due else 0.0)
        heartbeat.add_metric([], (now - beat).total_seconds() if beat else -1.0)
        yield from (depth, oldest, heartbeat)


def _process_registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render() -> tuple[bytes, str]:
    """The exposition text (all processes' counters, then the database figures)."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(_process_registry()) + generate_latest(database), CONTENT_TYPE_LATEST


def samples() -> list[tuple[str, dict[str, str], float]]:
    """Every figure as (name, labels, value), for a person (the console's health page).
    Histograms are summed up to their count and total seconds."""
    out: list[tuple[str, dict[str, str], float]] = []
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    for registry in (_process_registry(), database):
        for metric in registry.collect():
            if not metric.name.startswith("coproduce_"):
                continue
            for sample in metric.samples:
                if sample.name.endswith(("_bucket", "_created")):
                    continue
                out.append((sample.name, dict(sample.labels), float(sample.value)))
    return sorted(out, key=lambda s: (s[0], sorted(s[1].items())))


# -- gunicorn hooks (called by the shipped gunicorn config) -------------------------------------


def on_starting(server: Any) -> None:
    """Before the workers start: an empty multiprocess directory (files of a previous run would
    be counted again)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    path = Path(directory)
    if path.exists():
        for child in path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker process ended: drop its live gauges from the multiprocess files."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
