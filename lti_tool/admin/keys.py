"""Key management as an audited admin action (the key mechanics live in lti_tool.lti.keys)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l

from lti_tool.admin.audit import Actor, record
from lti_tool.admin.platforms import NotPermitted
from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.models import ToolKey, utcnow


def _installation_only(actor: Actor) -> None:
    # The keys sign for every registration: only the installation's administrators manage them.
    if not actor.is_installation_admin:
        raise NotPermitted(_l("only the installation's administrators can manage the tool's keys"))


def rotate_keys(keys_dir: Path, actor: Actor) -> ToolKey:
    _installation_only(actor)
    previous = keys.current_key_record()
    key = keys.rotate(keys_dir)
    record(actor, "key.rotated", "tool_key", key.kid, previous=previous.kid if previous else None)
    db.session.commit()
    return key


def retire_key(kid: str, actor: Actor) -> ToolKey:
    """Raises LookupError for an unknown kid, ValueError for the current key."""
    _installation_only(actor)
    key = keys.retire(kid)
    record(actor, "key.retired", "tool_key", kid)
    db.session.commit()
    return key


def reseal_keys(actor: Actor) -> int:
    """Re-encrypt the stored private keys with the first KEY_ENCRYPTION_KEYS key."""
    _installation_only(actor)
    count = keys.reseal_private_keys()
    record(actor, "key.resealed", "tool_key", "*", count=count)
    db.session.commit()
    return count


def key_rows(keys_dir: Path, grace: timedelta) -> list[tuple[ToolKey, bool, datetime | None]]:
    """(key, published now, published until) for every key, oldest first."""
    keys.ensure_current_key(keys_dir)
    now = utcnow()
    rows = []
    for key in keys.all_keys():
        until = key.rotated_at + grace if key.status == "previous" and key.rotated_at else None
        rows.append((key, keys.is_published(key, grace, now), until))
    return rows
