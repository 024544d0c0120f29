"""Engine options and connection liveness (docs/database.md)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from lti_tool import database
from lti_tool.database import engine_options

PG = "postgresql://db.example/coproduce"


def test_sqlite_keeps_sqlalchemys_pool() -> None:
    options = engine_options(
        "sqlite:///x.db", pool_size=0, max_overflow=2, inprocess_worker=True, production=True
    )
    assert options == {}


def test_production_pool_is_one_per_thread_plus_the_outbox_worker(monkeypatch) -> None:
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    options = engine_options(
        PG, pool_size=0, max_overflow=2, inprocess_worker=True, production=True
    )
    assert (options["pool_size"], options["max_overflow"]) == (7, 2)
    assert options["pool_pre_ping"] is False and options["pool_recycle"] > 0


def test_a_set_pool_size_applies_everywhere() -> None:
    options = engine_options(
        PG, pool_size=3, max_overflow=0, inprocess_worker=False, production=False
    )
    assert (options["pool_size"], options["max_overflow"]) == (3, 0)


def test_development_keeps_sqlalchemys_pool_size() -> None:
    options = engine_options(
        PG, pool_size=0, max_overflow=2, inprocess_worker=True, production=False
    )
    assert "pool_size" not in options and options["pool_pre_ping"] is False


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_an_idle_connection_killed_by_a_restart_is_replaced_on_checkout(monkeypatch) -> None:
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    url = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    admin = create_engine(url)
    try:
        with engine.connect() as conn:
            first = conn.scalar(text("SELECT pg_backend_pid()"))
        with admin.begin() as conn:  # what a database restart does to the pooled connection
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with engine.connect() as conn:
            second = conn.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()
