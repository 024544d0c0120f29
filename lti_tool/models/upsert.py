"""`INSERT ... ON CONFLICT` for the database in use: PostgreSQL and SQLite both have it, with
the same SQLAlchemy API (`on_conflict_do_update` / `on_conflict_do_nothing`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, scoped_session


def dialect_insert(session: Session | scoped_session[Any], table: Any) -> PgInsert | SqliteInsert:
    """An insert of `table` (a model or a Table) that can say what to do on a conflict."""
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


class Prepared:
    """A statement built once per database dialect (with bind parameters for its values), so
    SQLAlchemy derives its cache key and compiles it once instead of on every call."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __call__(self, session: Session | scoped_session[Any]) -> Any:
        dialect = session.get_bind().dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            statement = self._built.setdefault(dialect, self._build(session))
        return statement
