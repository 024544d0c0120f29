"""The console's health page, for a person: the readiness checks /readyz runs (with their
details), whether each platform's JWKS can be fetched (the first thing a launch needs), the
scheduled jobs' last runs and the metrics figures Prometheus scrapes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import metrics
from lti_tool.admin.words import CHECK_NAME
from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.lti.http import new_session
from lti_tool.models import Platform, ScheduledJob
from lti_tool.ops.checks import Check, check_database, check_migrations, check_worker
from lti_tool.settings import Settings

__all__ = ["Check", "check_database", "check_keys", "run_checks", "job_rows", "figures"]


def check_keys(keys_dir: Path) -> Check:
    """The current signing key (made on first use, as a launch would)."""
    try:
        key = keys.signing_key(keys_dir)
    except keys.MissingKeyFile as exc:
        return Check(str(_("Signing key")), False, str(exc), "signing_key")
    return Check(str(_("Signing key")), True, _("current key %(kid)s", kid=key.kid), "signing_key")


def check_platform_jwks(platform: Platform, timeout: float) -> Check:
    name = _("%(name)s: public keys", name=platform.name)
    try:
        response = new_session().get(platform.key_set_url, timeout=timeout)
    except requests.RequestException as exc:
        return Check(name, False, _("unreachable (%(error)s)", error=exc.__class__.__name__))
    if response.status_code != 200:
        return Check(
            name,
            False,
            _(
                "HTTP %(status)d from %(url)s",
                status=response.status_code,
                url=platform.key_set_url,
            ),
        )
    try:
        count = len(response.json()["keys"])
    except (ValueError, KeyError, TypeError):
        return Check(name, False, _("the answer is not a JWKS document"))
    return Check(name, True, ngettext("%(num)d key published", "%(num)d keys published", count))


# The details of the shared readiness checks (lti_tool.ops.checks, English: /readyz and logs
# read them), as the console shows them in the admin's language.
_DETAILS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"^(?P<engine>\w+), answered in (?P<ms>[\d.]+) ms$"),
        lambda m: _("%(engine)s, answered in %(ms)s ms", engine=m["engine"], ms=m["ms"]),
    ),
    (
        re.compile(r"^not answering: (?P<error>\w+)$"),
        lambda m: _("not answering: %(error)s", error=m["error"]),
    ),
    (
        re.compile(r"^unreadable: (?P<error>\w+)$"),
        lambda m: _("unreadable: %(error)s", error=m["error"]),
    ),
    (
        re.compile(r"^at (?P<revisions>[\w, ]+)$"),
        lambda m: _("at %(revisions)s", revisions=m["revisions"]),
    ),
    (
        re.compile(
            r"^the database is at (?P<current>.+), this build expects (?P<heads>.+): "
            r"run `(?P<command>[^`]+)`$"
        ),
        lambda m: _(
            "the database is at %(current)s, this build expects %(heads)s: run %(command)s",
            current=m["current"],
            heads=m["heads"],
            command="`" + m["command"] + "`",
        ),
    ),
    (re.compile(r"^no current key$"), lambda m: _("no current key")),
    (re.compile(r"^current key (?P<kid>\S+)$"), lambda m: _("current key %(kid)s", kid=m["kid"])),
    (
        re.compile(r"^no worker has beaten: start `flask worker`$"),
        lambda m: _("no worker has beaten: start %(command)s", command="`flask worker`"),
    ),
    (
        re.compile(r"^last heartbeat (?P<s>\d+) s ago$"),
        lambda m: _("last heartbeat %(seconds)s s ago", seconds=m["s"]),
    ),
)


def localised(check: Check) -> Check:
    """A shared check in the reader's language (its name by its key, its detail by pattern;
    a detail no pattern knows is shown as it is)."""
    name = CHECK_NAME.get(check.key)
    detail = check.detail
    for pattern, say in _DETAILS:
        match = pattern.match(detail)
        if match:
            detail = say(match)
            break
    return Check(str(name) if name else check.name, check.ok, str(detail), check.key)


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
    return [localised(c) for c in checks]


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
