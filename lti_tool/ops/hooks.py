"""Per-request hooks: a request id (the caller's `X-Request-Id` when it is sane, else a new
one), echoed in the response and carried by every log line of the request; one log line per
request (method, endpoint, path without its query, status, duration, launch and platform);
request latency by endpoint; launches by outcome. And, on a single machine, the in-process
worker started with the first request, so scheduled jobs run without `flask worker`."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from flask import Flask, Response, current_app, g, request

from lti_tool import metrics

log = structlog.get_logger("lti_tool.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
LAUNCH_ENDPOINTS = frozenset({"lti.launch"})
# Probes would drown the log: their lines are debug.
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.metrics_view"})


def request_id_of(header: str | None) -> str:
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_of(request.headers.get("X-Request-Id"))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id, endpoint=request.endpoint)
    _start_inprocess_worker()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_of(None)
    response.headers["X-Request-Id"] = request_id
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    endpoint = request.endpoint
    metrics.observe_request(endpoint, request.method, seconds)
    if endpoint in LAUNCH_ENDPOINTS and not g.get("coproduce_launch_counted"):
        metrics.LAUNCHES.labels(outcome=f"http_{response.status_code}").inc()
    emit = log.debug if endpoint in QUIET_ENDPOINTS else log.info
    emit(
        "request",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=round(seconds * 1000, 1),
    )
    return response


def _teardown(exc: BaseException | None) -> None:
    structlog.contextvars.clear_contextvars()


def _start_inprocess_worker() -> None:
    """Once per process: the single-machine default runs the scheduled jobs (and any waiting
    scores) in the in-process worker's thread."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.extensions.get("coproduce.jobs_started"):
        return
    app.extensions["coproduce.jobs_started"] = True
    settings = app.extensions["coproduce.settings"]
    if settings.OUTBOX_INPROCESS_WORKER and settings.JOB_SCHEDULER:
        from lti_tool.grading.worker import kick

        kick(app)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
