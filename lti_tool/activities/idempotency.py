"""Double submits stored once: every form that creates something carries a random key, and the
write claims it in its own transaction.

A double click, a resent POST or the same form sent from two tabs all carry the same key; the
unique index on `submitted_form.key` lets exactly one of them write. The others get a 409 page
that says the form was already saved — nothing is stored twice. A form refused for its content
rolls its key back with everything else, so the student can correct it and send it again.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import request
from markupsafe import Markup
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from lti_tool.extensions import db
from lti_tool.models import SubmittedForm, utcnow
from lti_tool.robustness import WriteConflict

FIELD = "form_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A key is only worth keeping while its page can still be submitted (the launch lasts 8 hours).
KEEP = timedelta(days=1)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def form_key_field() -> Markup:
    """The hidden field for a form's template; a new key each time the page is rendered."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, new_key())


def claim(key: str | None, path: str) -> None:
    """Record the form's key in the current transaction, or refuse a second use of it.

    No key (an old page, a script): the write goes ahead as before; the services' own locks and
    state checks still apply.
    """
    if not key:
        return
    if not _KEY.fullmatch(key):
        raise BadRequest("This form's key is damaged. Reload the page and try again.")
    # Claimed before the view writes anything, so a refused key costs nothing but this
    # transaction (the 409 handler rolls it back). No savepoint: pysqlite's RELEASE of an
    # outermost savepoint commits, which kept the key of a form the view then refused.
    db.session.add(SubmittedForm(key=key, path=path[:300]))
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise WriteConflict(
            "FORM_ALREADY_SENT",
            "This form was already sent and saved once; nothing more was stored. "
            "Reload the page to see it.",
        ) from exc
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security relevant
        db.session.execute(delete(SubmittedForm).where(SubmittedForm.created_at < utcnow() - KEEP))


def once_per_form(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a POST view that creates something: claim the form's key before the view writes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            claim(request.form.get(FIELD), request.path)
        return view(*args, **kwargs)

    return wrapper
