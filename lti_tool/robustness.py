"""Guards that turn hostile input into a clear 4xx before any view runs.

One place instead of a check in every route: ids in URLs are bounded to the database's integer
range (a larger one can name no row, and PostgreSQL refuses to compare an int column with it),
and NUL characters in form fields or query strings are refused (PostgreSQL cannot store them in
text columns, so they would fail half-way through a write).
"""

from __future__ import annotations

import logging

from flask import Flask, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

# PostgreSQL `integer` (our primary keys): 2**31 - 1.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that does not match ids outside the database's range: a 404, as for any id
    that names no row."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class WriteConflict(Exception):
    """A write that lost a race or acted on a stale page: a 409 page, nothing saved."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# PostgreSQL's serialization failure and deadlock: the other transaction won; ours is undone.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def _conflict_page(exc: Exception):  # type: ignore[no-untyped-def]
    from lti_tool.errors import error_page
    from lti_tool.extensions import db

    db.session.rollback()
    if isinstance(exc, WriteConflict):
        log.info("refused %s %s: %s", request.method, request.path, exc.code)
        return error_page(exc.code, exc.message, 409)
    log.warning("write conflict on %s %s: %s", request.method, request.path, exc)
    return error_page(
        "WRITE_CONFLICT",
        "Someone changed this at the same moment and your change could not be saved. "
        "Nothing was saved: reload the page and try again.",
        409,
    )


def _operational_error(exc: OperationalError):  # type: ignore[no-untyped-def]
    if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return _conflict_page(exc)
    raise exc  # not a race: the generic handler logs it with its traceback


def _data_error(exc: DataError):  # type: ignore[no-untyped-def]
    """A value the database refuses (too long for its column, out of an integer's range, a NUL
    the form guard did not see): the user's input, not our fault — a 400, nothing saved."""
    from lti_tool.errors import error_page
    from lti_tool.extensions import db

    db.session.rollback()
    log.warning(
        "value refused by the database on %s %s: %s", request.method, request.path, exc.orig
    )
    return error_page(
        "VALUE_NOT_STORABLE",
        "A value you sent is too long or cannot be stored. Nothing was saved: shorten it and try "
        "again.",
        400,
    )


def bounded_int(raw: str) -> int:
    """int() for form fields that name rows or go into integer columns: beyond the database's
    range is a ValueError like any other non-number (PostgreSQL would refuse it mid-query)."""
    value = int(raw)
    if not -MAX_ID <= value <= MAX_ID:
        raise ValueError(f"{raw!r} is out of range")
    return value


def _refuse_nul() -> None:
    for source in (request.args, request.form):
        for values in source.listvalues():
            if any("\x00" in value for value in values):
                raise BadRequest(
                    "The form contained a character that cannot be stored (NUL). "
                    "Remove it and try again."
                )
    for name in request.files:
        if "\x00" in (request.files[name].filename or ""):
            raise BadRequest("The file name contains a character that cannot be stored (NUL).")


def init_app(app: Flask) -> None:
    """Install the guards; call before blueprints are registered (rules bind converters when
    they are added)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_nul)
    # The last line of defence for races the services' locks do not cover: a unique index that
    # another request filled first is a 409 page, never a 500 (and the transaction is undone).
    app.register_error_handler(WriteConflict, _conflict_page)
    app.register_error_handler(IntegrityError, _conflict_page)
    app.register_error_handler(OperationalError, _operational_error)
    app.register_error_handler(DataError, _data_error)
