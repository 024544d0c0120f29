"""/healthz (the process answers), /readyz (it can serve: database, migrations, signing key,
worker) and /metrics. No login and no launch token: orchestrators call them. Nothing secret in
the bodies: /readyz names the checks and says ok or failed, never why."""

from __future__ import annotations

import hmac

from flask import Response, abort, current_app, jsonify, request

from lti_tool import metrics
from lti_tool.ops import bp
from lti_tool.ops.checks import readiness
from lti_tool.settings import Settings


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> Response:
    return _no_store(jsonify(status="ok"))


@bp.route("/readyz")
def readyz() -> Response:
    checks = readiness(_settings())
    failed = [c.key for c in checks if not c.ok]
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "checks": {c.key: "ok" if c.ok else "failed" for c in checks},
    }
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    return _no_store(response)


@bp.route("/metrics")
def metrics_view() -> Response:
    """Prometheus text. With METRICS_TOKEN set, only for `Authorization: Bearer <token>`;
    without one, open in development and test and not there (404) in production."""
    settings = _settings()
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            response = Response("bearer token required\n", 401, mimetype="text/plain")
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return _no_store(response)
    elif settings.is_production:
        abort(404)
    body, content_type = metrics.render()
    return _no_store(Response(body, 200, content_type=content_type))
