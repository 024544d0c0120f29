"""The console's health page, for a person: the readiness checks /readyz runs (with their
details), whether each platform's JWKS can be fetched (the first thing a launch needs), the
scheduled jobs' last runs and the metrics figures Prometheus scrapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import metrics
from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.lti.http import new_session
from lti_tool.models import Platform, ScheduledJob
from lti_tool.ops.checks import Check, check_database, check_migrations, check_worker
from lti_tool.settings import Settings
from lti_tool.wording import plural

__all__ = ["Check", "check_database", "check_keys", "run_checks", "job_rows", "figures"]


def check_keys(keys_dir: Path) -> Check:
    """The current signing key (made on first use, as a launch would)."""
    try:
        key = keys.signing_key(keys_dir)
    except keys.MissingKeyFile as exc:
        return Check("Signing key", False, str(exc), "signing_key")
    return Check("Signing key", True, f"current key {key.kid}", "signing_key")


def check_platform_jwks(platform: Platform, timeout: float) -> Check:
    name = f"{platform.name}: public keys"
    try:
        response = new_session().get(platform.key_set_url, timeout=timeout)
    except requests.RequestException as exc:
        return Check(name, False, f"unreachable ({exc.__class__.__name__})")
    if response.status_code != 200:
        return Check(name, False, f"HTTP {response.status_code} from {platform.key_set_url}")
    try:
        count = len(response.json()["keys"])
    except (ValueError, KeyError, TypeError):
        return Check(name, False, "the answer is not a JWKS document")
    return Check(name, True, f"{plural(count, 'key')} published")


def run_checks(
    keys_dir: Path,
    platforms: list[Platform],
    timeout: float = 5.0,
    settings: Settings | None = None,
) -> list[Check]:
    checks = [check_database()]
    checks.append(check_keys(keys_dir))
    checks.extend(check_platform_jwks(p, timeout) for p in platforms)
    if checks[0].ok:
        checks.append(check_migrations())
        if settings is None:
            from flask import current_app

            settings = current_app.extensions["coproduce.settings"]
        worker = check_worker(settings)  # type: ignore[arg-type]
        if worker is not None:
            checks.append(worker)
    return checks


@dataclass(frozen=True)
class JobRow:
    name: str
    next_due_at: datetime
    last_finished_at: datetime | None
    last_outcome: str | None
    last_detail: str | None
    runs: int
    failures: int


def job_rows() -> list[JobRow]:
    """The scheduled jobs as the workers last left them."""
    try:
        rows = db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name)).all()
    except SQLAlchemyError:
        db.session.rollback()
        return []
    return [
        JobRow(
            r.name,
            r.next_due_at,
            r.last_finished_at,
            r.last_outcome,
            r.last_detail,
            r.runs,
            r.failures,
        )
        for r in rows
    ]


def figures() -> list[tuple[str, str, float]]:
    """The metrics, as (name, labels shown as text, value)."""
    return [
        (name, ", ".join(f"{k}={v}" for k, v in sorted(labels.items())), value)
        for name, labels, value in metrics.samples()
    ]
