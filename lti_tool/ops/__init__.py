"""Operations: /healthz and /readyz for orchestrators and load balancers, /metrics for
Prometheus, and the request hooks that give every log line and response a request id.

    checks.readiness      what /readyz and the console's health page check
    hooks.init_app        request id, request log line, latency and launch metrics
"""

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_app(app: Flask) -> None:
    from lti_tool.extensions import csrf
    from lti_tool.ops import hooks, views  # noqa: F401  (views registers the routes on bp)

    csrf.exempt(bp)
    app.register_blueprint(bp)
    hooks.init_app(app)
