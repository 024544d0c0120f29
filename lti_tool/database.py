"""How the tool talks to its database: engine and pool options, per-connection settings, and
the connection budget (docs/database.md).

Pool: `pool_size` + `max_overflow` connections per worker process, from DB_POOL_SIZE and
DB_MAX_OVERFLOW; by default one per request thread (GUNICORN_THREADS, default 4) plus one for
the in-process outbox worker, and DB_MAX_OVERFLOW = 2. Budget for PostgreSQL:

    hosts x workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) <= max_connections - reserve

Liveness: no `pool_pre_ping` (a `SELECT 1` round trip on every checkout, ~1 in 9 of a launch's
round trips). Instead a connection is pinged only when it sat idle in the pool for more than
IDLE_PING_SECONDS (after a database restart or a firewall's idle cut, those are the stale ones),
connections older than `pool_recycle` are replaced, and a statement that still meets a dead
connection makes SQLAlchemy invalidate the whole pool, so one request per worker at most sees
the restart (a launch retries it).
"""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection

# A connection idle longer than this is pinged on checkout; busy ones are not.
IDLE_PING_SECONDS = 10.0
# Replace connections after this long, below common server / proxy idle limits.
POOL_RECYCLE_SECONDS = 1800


def default_pool_size(inprocess_worker: bool) -> int:
    """One connection per request thread, plus one for the in-process outbox worker."""
    threads = int(os.environ.get("GUNICORN_THREADS", "4") or 4)
    return max(1, threads) + (1 if inprocess_worker else 0)


def engine_options(
    database_url: str,
    *,
    pool_size: int,
    max_overflow: int,
    inprocess_worker: bool,
    production: bool,
) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS for this database.

    The budget applies in production (gunicorn: a fixed number of threads per worker) or when
    DB_POOL_SIZE is set. Elsewhere (`flask run --with-threads`, tests: a thread per request,
    no bound) SQLAlchemy's defaults stay (5 + 10 overflow)."""
    if not database_url.startswith("postgresql"):
        return {}  # SQLite: SQLAlchemy's default pool for files; one process writes
    options: dict[str, Any] = {"pool_recycle": POOL_RECYCLE_SECONDS, "pool_pre_ping": False}
    if production or pool_size > 0:
        options["pool_size"] = pool_size if pool_size > 0 else default_pool_size(inprocess_worker)
        options["max_overflow"] = max(0, max_overflow)
    return options


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: write-ahead log with synchronous=NORMAL, the documented setting for this use: a
    commit no longer waits for an fsync (a crash can lose the last commits, never corrupt),
    and readers do not block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _is_postgresql(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")


@event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """Ping on checkout only a connection idle for more than IDLE_PING_SECONDS (SQLAlchemy's
    pessimistic disconnect handling, limited to the connections likely to be stale)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    if not _is_postgresql(dbapi_connection):
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as error:
        # The pool discards this connection and checks out (or opens) another.
        raise exc.DisconnectionError() from error
