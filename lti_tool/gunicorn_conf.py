"""gunicorn settings Coproduce ships, inside the package so an installed wheel has them:

    gunicorn -c python:lti_tool.gunicorn_conf 'lti_tool:create_app()'

Every figure comes from the environment, so one build runs on a laptop, a VM or a container:

    WEB_CONCURRENCY            worker processes (default 2; GUNICORN_WORKERS is read too)
    GUNICORN_THREADS           threads per worker (default 4): requests in flight per worker
    GUNICORN_BIND              address (default 127.0.0.1:8000, behind the TLS proxy)
    GUNICORN_TIMEOUT           seconds a worker may go silent before it is killed (default 30)
    GUNICORN_GRACEFUL_TIMEOUT  seconds a stopping worker gets to finish its requests (default 30)
    GUNICORN_KEEPALIVE         seconds an idle proxy connection is kept open (default 5)
    GUNICORN_MAX_REQUESTS      recycle a worker after this many requests (default 0: never)

Each worker holds up to `threads` database connections (SQLAlchemy's pool grows to that under
load), so a machine needs about WEB_CONCURRENCY x GUNICORN_THREADS connections, plus the
`flask worker` processes' own: docs/deploy.md and docs/database.md budget them.

The access log goes through lti_tool.logs.RedactingGunicornLogger, so no session token or link
ticket can appear in it whatever the format (tests/test_shipped_servers.py reads a real one).
Settings given on the command line or in GUNICORN_CMD_ARGS override these.
"""

import importlib
import importlib.util
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes, so one busy or restarting worker never stops the machine answering; threads
# carry the concurrency, because a request mostly waits on PostgreSQL or a platform's HTTP.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.environ.get("GUNICORN_WORKERS") or 2)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Above HTTP_TIMEOUT_SECONDS (10): a page that calls a slow platform (roster, deep linking) is
# answered or refused by the tool before gunicorn gives up on the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (a deploy, a scale-in) a worker stops accepting and finishes what it holds.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Not preloaded: each worker imports the app and builds its own database pool after the fork.
# A preloaded app would hand every worker copies of the parent's pool (sockets shared across
# processes corrupt each other's conversations) and could start no in-process outbox thread
# (threads do not survive a fork). The cost is each worker importing the app once, a second or
# two at start and some memory that copy-on-write would have shared.
preload_app = False
# The worker heartbeat file on a RAM disk where there is one: a container's overlay disk can
# stall the heartbeat long enough for the arbiter to kill a healthy worker.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's own heartbeat files, not user data
    worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
logger_class = "lti_tool.logs.RedactingGunicornLogger"
# gunicorn's default format, without the referrer (our pages send none: Referrer-Policy).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(a)s" %(L)s'
# Behind a TLS proxy, also set PROXY_FIX_HOPS for the tool (docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _metrics():  # type: ignore[no-untyped-def]
    """lti_tool.metrics when this build has it (Prometheus multiprocess mode), else None. Found
    first and then imported plainly, so an error inside the module is not mistaken for its
    absence."""
    try:
        found = importlib.util.find_spec("lti_tool.metrics") is not None
    except ImportError:  # lti_tool itself not importable: gunicorn reports that when loading
        return None
    return importlib.import_module("lti_tool.metrics") if found else None


def on_starting(server):  # type: ignore[no-untyped-def]
    """In the arbiter, before any worker: metrics prepare the shared multiprocess folder."""
    metrics = _metrics()
    if metrics is not None:
        metrics.on_starting(server)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """In the arbiter, after a worker exits: its live gauges leave the multiprocess files."""
    metrics = _metrics()
    if metrics is not None:
        metrics.child_exit(server, worker)
