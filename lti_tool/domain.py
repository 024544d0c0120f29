"""What every rule of the tool raises when it refuses, and the one scoped lookup.

`DomainError(code, message, status)` is the one error type of the domain: each activity's error
subclasses it with the same signature (and its own default code and status), so one handler
(`lti_tool.errors`) rolls back and answers every refusal the same way: the in-iframe error page,
or JSON for JSON routes. A page that can show the message next to the form catches the error
and re-renders instead; that stays inline.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from lti_tool.extensions import db


class DomainError(ValueError):
    """A refused action: a stable `code`, a `message` for the person who tried it, and the HTTP
    `status` it answers with (the class's default when not given).

    A ValueError, as each activity's error was before they shared this base: code that parses
    input under `except ValueError` keeps its meaning."""

    default_code = "REFUSED"
    default_status = 400

    def __init__(self, code: str | None, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.status = status if status is not None else self.default_status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.status})"


class NotFound(DomainError):
    default_code = "NOT_FOUND"
    default_status = 404


M = TypeVar("M")


def scoped_get(
    model: type[M],
    row_id: object,
    *,
    code: str = "NOT_FOUND",
    message: str = "That is not part of this activity.",
    error: type[DomainError] = NotFound,
    **scope: Any,
) -> M:
    """The row `row_id` of `model` only if it also matches every `scope` column (for example
    `activity_id=activity.id`, `context_id=...`); otherwise `error(code, message, 404)` (an
    activity passes its own error class), the same answer whether the row does not exist or
    belongs elsewhere, so an id probe learns nothing.

    An id from a URL or a form never reaches a row outside the scope: always pass the scope.
    """
    if not scope:
        raise TypeError("scoped_get needs at least one scope column")
    try:
        key = int(row_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise error(code, message, 404) from None
    query = select(model).where(model.id == key)  # type: ignore[attr-defined]
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    found = db.session.scalars(query).first()
    if found is None:
        raise error(code, message, 404)
    return found
