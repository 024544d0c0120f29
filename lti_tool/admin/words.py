"""The console's words for stored keys (issue 15, item 9): a status is stored as a key
("active", "pending") and shown to admins in their language. Unknown keys are shown as they
are, so a new status never breaks a page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from lti_tool.admin import bp
from lti_tool.i18n import LANGUAGES

PLATFORM_STATUS = {"active": _l("active"), "disabled": _l("disabled")}
DEPLOYMENT_STATUS = {"active": _l("active"), "pending": _l("pending"), "inactive": _l("inactive")}
KEY_STATUS = {"current": _l("current"), "previous": _l("previous"), "retired": _l("retired")}
PRODUCT_FAMILY = {
    "canvas": "Canvas",
    "moodle": "Moodle",
    "sandbox": _l("Sandbox"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}
# A score's delivery to the LMS (models.DeliveryStatus).
DELIVERY_STATUS = {
    "held": _l("held until grades are released"),
    "pending": _l("waiting to be sent"),
    "delivered": _l("delivered"),
    "rejected": _l("refused by the LMS"),
    "failed": _l("failed"),
}
# A scheduled job's last outcome (jobs.schedule).
JOB_OUTCOME = {"ok": _l("ok"), "failed": _l("failed"), "skipped": _l("skipped")}
# What an audit event was about (Event.object_type).
AUDIT_OBJECT = {
    "platform": _l("platform"),
    "deployment": _l("deployment"),
    "tool_key": _l("tool key"),
    "admin_user": _l("admin user"),
    "invite": _l("invite"),
    "person": _l("person"),
    "course": _l("course"),
    "activity": _l("activity"),
    "retention": _l("retention"),
    "goal": _l("goal"),
    "check_in": _l("check in"),
    "review": _l("review"),
    "score": _l("score"),
    "allocation": _l("allocation"),
    "submission": _l("submission"),
    "rubric_proposal": _l("rubric proposal"),
    "rubric_criterion": _l("rubric criterion"),
    "rubric_ballot": _l("rubric ballot"),
    "rubric_level_draft": _l("rubric level draft"),
}
# The details of an audit event (Event.data keys), as words; an unknown key reads with spaces.
AUDIT_KEY = {
    "username": _l("username"),
    "sessions_revoked": _l("sessions revoked"),
    "note": _l("note"),
    "previous": _l("previous"),
    "count": _l("count"),
    "scores": _l("scores"),
    "fields": _l("fields"),
    "issuer": _l("issuer"),
    "client_id": _l("client id"),
    "deployment_id": _l("deployment id"),
    "deployments": _l("deployments"),
    "name": _l("name"),
    "policy": _l("policy"),
    "changed": _l("changed"),
    "configuration": _l("configuration"),
    "courses": _l("courses"),
    "notice": _l("notice"),
    "problem": _l("problem"),
    "response": _l("response"),
    "platform_version": _l("platform version"),
    "status": _l("status"),
    "days": _l("days"),
    "armed": _l("armed"),
    "dry_run": _l("dry run"),
    "sub": _l("sub"),
    "default_language": _l("language"),
    "origins": _l("origins"),
}
# The health checks (ops.checks.Check.key).
CHECK_NAME = {
    "database": _l("Database"),
    "migrations": _l("Migrations"),
    "signing_key": _l("Signing key"),
    "worker": _l("Worker"),
}


# The data inventory's words (privacy.inventory): whose data a column holds, how long it is kept.
WHOSE = {"subject": _l("subject"), "author": _l("author"), "actor": _l("actor")}
KEPT = {
    "course": _l("course"),
    "person": _l("person"),
    "expiry": _l("expiry"),
    "registration": _l("registration"),
    "installation": _l("installation"),
}


def language_choices() -> list[tuple[str, str]]:
    """The registration's language: one the tool speaks, each named in itself, or none (the
    browser's)."""
    return [("", str(_l("The browser's language"))), *LANGUAGES.items()]


def word(table: dict[str, object], key: object) -> str:
    """The word for `key` in `table`, or the key itself."""
    if key is None:
        return ""
    found = table.get(str(key))
    return str(found) if found is not None else str(key).replace("_", " ")


@bp.app_context_processor
def _words() -> dict[str, object]:
    tables = {
        "platform": PLATFORM_STATUS,
        "deployment": DEPLOYMENT_STATUS,
        "key": KEY_STATUS,
        "family": PRODUCT_FAMILY,
        "delivery": DELIVERY_STATUS,
        "job": JOB_OUTCOME,
        "object": AUDIT_OBJECT,
        "audit_key": AUDIT_KEY,
        "check": CHECK_NAME,
    }

    def console_word(kind: str, key: object) -> str:
        return word(tables[kind], key)  # type: ignore[arg-type]

    return {
        "console_word": console_word,
        "whose_word": lambda key: word(WHOSE, key),  # type: ignore[arg-type]
        "kept_word": lambda key: word(KEPT, key),  # type: ignore[arg-type]
        "pgettext": pgettext,
        "language_choices": language_choices,
    }


@bp.app_template_filter("moment_iso")
def moment_iso(value: object) -> str:
    """An ISO date-time string (as a stored report keeps it) as a date and time to read."""
    from datetime import UTC, datetime

    from lti_tool.wording import moment

    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment(when if when.tzinfo else when.replace(tzinfo=UTC))
