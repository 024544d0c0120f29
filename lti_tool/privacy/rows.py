"""Finding one person's rows in every table, from the inventory's links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.sql.elements import ColumnElement

from lti_tool.extensions import db
from lti_tool.models import ActorKind
from lti_tool.privacy.inventory import TABLES, T


def table(name: str) -> Table:
    return db.metadata.tables[name]


def _link_condition(start: Table, link: str, person_id: int) -> ColumnElement[bool]:
    """`col->table.col->...->table.person_col` as nested IN subqueries, innermost first. Each
    hop follows a foreign key to the referenced table's `id`."""
    hops = link.split("->")
    if len(hops) == 1:
        return start.c[hops[0]] == person_id
    # hops: [fk_on_start, "t1.fk_on_t1", ..., "tn.person_col"]
    subquery: Any = None
    for hop in reversed(hops[1:]):
        name, column = hop.split(".")
        target = table(name)
        where = (
            target.c[column] == person_id if subquery is None else target.c[column].in_(subquery)
        )
        subquery = select(target.c.id).where(where)
    return start.c[hops[0]].in_(subquery)


def person_condition(entry: T, person_id: int) -> ColumnElement[bool] | None:
    """Rows of this table some link of the inventory leads to the person from."""
    if not entry.links:
        return None
    start = table(entry.name)
    conditions = [_link_condition(start, link, person_id) for link in entry.links]
    condition = or_(*conditions)
    if entry.name == "event":  # actor_id is a person's id only for a launched person
        condition = condition & (start.c.actor_kind == ActorKind.PERSON.value)
    return condition


def person_rows(person_id: int) -> dict[str, list[dict[str, Any]]]:
    """table name -> that person's rows (as column -> value), for every declared table."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in TABLES:
        if entry.name not in db.metadata.tables:
            continue  # declared ahead of a table another branch adds
        condition = person_condition(entry, person_id)
        if condition is None:
            continue
        t = table(entry.name)
        rows = db.session.execute(select(t).where(condition).order_by(*t.primary_key)).mappings()
        found[entry.name] = [dict(r) for r in rows]
    return found


def person_columns(name: str) -> list[str]:
    """The columns of a table that hold a person's id (foreign keys to person.id)."""
    return [
        c.name
        for c in table(name).columns
        if any(fk.column.table.name == "person" for fk in c.foreign_keys)
    ]
