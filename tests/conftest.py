"""A fresh app and database per test (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set),
and one test platform whose JWKS is served over real HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from lti_tool import create_app
from lti_tool.extensions import db
from tests.builders import make_platform
from tests.platform_double import JwksServer, PlatformKey


@pytest.fixture(scope="session")
def platform_key() -> PlatformKey:
    return PlatformKey.generate()


@pytest.fixture(scope="session")
def other_key() -> PlatformKey:
    """A key the platform does not publish (forgeries, unknown kids)."""
    return PlatformKey.generate()


@pytest.fixture(scope="session")
def _jwks_server() -> Iterator[JwksServer]:
    server = JwksServer().start()
    yield server
    server.stop()


@pytest.fixture
def jwks(_jwks_server: JwksServer, platform_key: PlatformKey) -> JwksServer:
    _jwks_server.reset([platform_key])
    return _jwks_server


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str | None]:
    """PostgreSQL: one database with every table, built once per run. Each test gets a copy
    (CREATE DATABASE ... TEMPLATE, about 0.1 s) instead of creating ~90 tables and indexes
    itself and dropping them again (about 2 s per test on this machine)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    admin = create_engine(_psycopg(base), isolation_level="AUTOCOMMIT")
    name = "coproduce_tpl_" + uuid.uuid4().hex[:10]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    built = create_engine(make_url(_psycopg(base)).set(database=name))
    try:
        db.metadata.create_all(built)
    finally:
        built.dispose()  # a template must have no connections when it is copied
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _database_url(tmp_path: Path, template: str | None) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or template is None:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    # PostgreSQL: a database of its own per test, copied from the template and dropped
    # afterwards, so tests never see each other's rows and can run in parallel.
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(_psycopg(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY WAL_LOG'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a server thread or subprocess a test started may still hold a connection.
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Made per run, so no key is committed; one for all apps of a run, as machines would share it.
TEST_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()


@pytest.fixture
def database_url(tmp_path: Path, _pg_template: str | None) -> Iterator[str]:
    yield from _database_url(tmp_path, _pg_template)


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build the test app with settings overridden; its tables are created now and dropped at
    teardown, whatever the test did."""
    made: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        if overrides.get("APP_ENV") == "production":
            # Production refuses to start without a key-encryption key. Other apps derive theirs
            # from SECRET_KEY, as a subprocess given the same SECRET_KEY does.
            overrides.setdefault("KEY_ENCRYPTION_KEYS", TEST_KEY_ENCRYPTION_KEY)
        app = create_app(
            {
                "APP_ENV": "test",
                "DATABASE_URL": database_url,
                "SECRET_KEY": "test-secret-key-" + "x" * 32,
                "LTI_TOOL_BASE_URL": "http://localhost",
                "LTI_KEYS_DIR": str(tmp_path / "keys"),
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SANDBOX": False,
                # No background delivery thread unless a test asks for one: it would outlive
                # the test and race the test's own steps.
                "OUTBOX_INPROCESS_WORKER": False,
                **overrides,
            }
        )
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            if not os.environ.get("TEST_DATABASE_URL"):
                db.drop_all()  # on PostgreSQL the whole database is dropped instead
            db.engine.dispose()


@pytest.fixture
def launch_locale() -> Iterator[Callable[[str | None], None]]:
    """Every launch the test then makes names this locale in its launch presentation claim
    (e.g. "fr", or the pseudo-locale "en-XA" of the untranslated-text walks)."""
    from tests import builders

    def use(locale: str | None) -> None:
        builders.LAUNCH_LOCALE[0] = locale

    yield use
    builders.LAUNCH_LOCALE[0] = None


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for service-level tests."""
    with app.app_context():
        yield


@pytest.fixture
def platform(app: Flask, jwks: JwksServer):  # type: ignore[no-untyped-def]
    with app.app_context():
        p = make_platform(jwks.url)
        db.session.refresh(p)
        db.session.expunge(p)
        return p


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database this pass runs on, so a CI log cannot mislabel it."""
    return "database: " + ("PostgreSQL" if os.environ.get("TEST_DATABASE_URL") else "SQLite")
