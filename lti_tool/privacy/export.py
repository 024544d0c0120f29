"""Everything held about or by one person (by platform and LMS `sub`), across courses, as a
ZIP of JSON files plus their uploaded files.

Every row some inventory link leads to the person from is exported with all its columns, with
two things taken out so the export never names anyone else, whatever a feedback round's
anonymity: another person's id (a reviewer, an endorser, a responder) becomes null, and a copy
of another person's name (`name_of` columns: a responder's or commenter's name, an event's
actor label) becomes null. Other people's own rows are never exported.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from lti_tool import storage
from lti_tool.events import EventActor, record_event
from lti_tool.extensions import db
from lti_tool.models import Context, Membership, Person, Platform
from lti_tool.privacy.inventory import BY_NAME
from lti_tool.privacy.rows import person_columns, person_rows

README = """This archive holds everything Coproduce stores about or by you on {platform}.

person.json            who you are on the platform (as it told us)
courses.json           the courses you were in
tables/<table>.json    every row about you or written by you, one file per table
files/                 the files you uploaded (named by the stored key and their type)

Where a row names someone else (a reviewer, a commenter), their id and name are left out.
docs/privacy.md of Coproduce says what each table and column is, why it is kept, and for how
long.
"""


class PrivacyError(LookupError):
    """No such person, or not one this admin may act on."""


def find_person(platform_id: int, sub: str) -> Person | None:
    return db.session.scalar(
        select(Person).where(Person.platform_id == platform_id, Person.sub == sub)
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _masked(name: str, row: dict[str, Any], person_id: int) -> dict[str, Any]:
    entry = BY_NAME.get(name)
    out = dict(row)
    for column in person_columns(name):
        if out.get(column) not in (None, person_id):
            out[column] = None  # someone else
    if name == "event" and out.get("actor_kind") != "person":
        out["actor_id"] = None
    if entry is not None:
        for column, p in entry.personal.items():
            if p.name_of and row.get(p.name_of) != person_id:
                out[column] = None
            if name == "event" and column == "actor_label" and row.get("actor_kind") != "person":
                out[column] = None
    return {k: _json_value(v) for k, v in out.items()}


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    tables: dict[str, int]
    files: int


def export_person(person: Person, actor: EventActor) -> Export:
    """The ZIP for this person, and an audit event (committed by the caller)."""
    platform = db.session.get(Platform, person.platform_id)
    rows = person_rows(person.id)
    courses = db.session.scalars(
        select(Context)
        .join(Membership, Membership.context_id == Context.id)
        .where(Membership.person_id == person.id)
        .order_by(Context.id)
    ).all()
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(platform=platform.name if platform else "?"))
        person_row = rows.pop("person", [])
        archive.writestr(
            "person.json",
            json.dumps(
                {
                    "platform": platform.name if platform else None,
                    **(_masked("person", person_row[0], person.id) if person_row else {}),
                },
                indent=2,
                ensure_ascii=False,
            ),
        )
        archive.writestr(
            "courses.json",
            json.dumps(
                [{"id": c.id, "title": c.display_name, "label": c.label} for c in courses],
                indent=2,
                ensure_ascii=False,
            ),
        )
        for name, table_rows in rows.items():
            if not table_rows:
                continue
            masked = [_masked(name, r, person.id) for r in table_rows]
            archive.writestr(
                f"tables/{name}.json", json.dumps(masked, indent=2, ensure_ascii=False)
            )
        for row in rows.get("feedback_submission", []):
            key = row.get("file_key")
            if row.get("person_id") != person.id or not key:
                continue
            content = storage.read(str(key))
            if content is None:
                continue
            ext = f".{row['file_ext']}" if row.get("file_ext") else ""
            archive.writestr(f"files/{key}{ext}", content)
            files += 1
    counts = {name: len(r) for name, r in rows.items() if r}
    record_event(
        actor,
        "privacy.exported",
        "person",
        person.id,
        platform_id=person.platform_id,
        tables=len(counts),
        files=files,
    )
    return Export(
        data=buffer.getvalue(),
        filename=f"coproduce-export-{person.platform_id}-{person.id}.zip",
        tables=counts,
        files=files,
    )
