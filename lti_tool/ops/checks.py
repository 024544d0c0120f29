"""The readiness checks, shared by /readyz (for machines) and the console's health page (for a
person): the database answers, its schema is at the migrations' head, a signing key is there,
and a worker is beating when separate worker processes are expected.

Each check says ok or not with a detail for a person; /readyz shows only the names and ok/failed,
since a detail can name a host or a file.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.models import WorkerHeartbeat, utcnow
from lti_tool.settings import Settings, package_folder


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    key: str = ""  # the short name /readyz shows


def check_database() -> Check:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Check("Database", False, f"not answering: {exc.__class__.__name__}", "database")
    ms = (time.perf_counter() - started) * 1000
    return Check("Database", True, f"{db.engine.dialect.name}, answered in {ms:.1f} ms", "database")


@functools.cache
def migration_heads() -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this build (read once)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", package_folder("migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_migrations() -> Check:
    # Read the version table directly: alembic's MigrationContext logs a line per call.
    try:
        current = frozenset(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        db.session.rollback()
        current = frozenset()  # never migrated (tables made some other way, or none)
    heads = migration_heads()
    if current == heads:
        return Check("Migrations", True, "at " + ", ".join(sorted(heads)), "migrations")
    shown = ", ".join(sorted(current)) or "none"
    return Check(
        "Migrations",
        False,
        f"the database is at {shown}, this build expects {', '.join(sorted(heads))}: "
        "run `flask --app lti_tool db upgrade`",
        "migrations",
    )


def check_keys(keys_dir: object) -> Check:
    """A current signing key whose private half can be read (nothing is created here)."""
    try:
        record = keys.current_key_record()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Check("Signing key", False, f"unreadable: {exc.__class__.__name__}", "signing_key")
    if record is None:
        return Check("Signing key", False, "no current key", "signing_key")
    try:
        key = keys.signing_key(keys_dir)  # type: ignore[arg-type]
    except keys.MissingKeyFile as exc:
        return Check("Signing key", False, str(exc), "signing_key")
    return Check("Signing key", True, f"current key {key.kid}", "signing_key")


def check_worker(settings: Settings) -> Check | None:
    """A `flask worker` heartbeat within the allowed age; None when no worker process is
    expected (the in-process worker delivers, or the check is switched off)."""
    if settings.OUTBOX_INPROCESS_WORKER or settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS <= 0:
        return None
    try:
        beat = db.session.scalar(
            select(func.max(WorkerHeartbeat.beat_at)).where(WorkerHeartbeat.kind == "process")
        )
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Check("Worker", False, f"unreadable: {exc.__class__.__name__}", "worker")
    if beat is None:
        return Check("Worker", False, "no worker has beaten: start `flask worker`", "worker")
    age = utcnow() - beat
    if age > timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS):
        return Check("Worker", False, f"last heartbeat {age.total_seconds():.0f} s ago", "worker")
    return Check("Worker", True, f"last heartbeat {age.total_seconds():.0f} s ago", "worker")


def readiness(settings: Settings) -> list[Check]:
    database = check_database()
    if not database.ok:
        return [database]  # the rest read the database
    checks = [database, check_migrations(), check_keys(settings.LTI_KEYS_DIR)]
    worker = check_worker(settings)
    if worker is not None:
        checks.append(worker)
    return checks
