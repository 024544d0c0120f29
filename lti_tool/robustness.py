"""Guards that turn hostile input into a clear 4xx before any view runs.

One place instead of a check in every route: ids in URLs are bounded to the database's integer
range (a larger one can name no row, and PostgreSQL refuses to compare an int column with it),
and NUL characters in form fields or query strings are refused (PostgreSQL cannot store them in
text columns, so they would fail half-way through a write).
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# PostgreSQL `integer` (our primary keys): 2**31 - 1.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that does not match ids outside the database's range: a 404, as for any id
    that names no row."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


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
