"""A full feedback round in which Alice submits a file, reviews and is reviewed, a score goes to
the outbox, and her name is copied into other people's rows (an event, Bob's text)."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, select

from lti_tool import storage
from lti_tool.extensions import db
from lti_tool.models import FeedbackAllocation, FeedbackCriterion, Person
from tests.activities.feedback.conftest import Course, configure, student_subs

UPLOAD = ("ALICE-UPLOAD-7f3a9c: my essay, in full.\n" * 40).encode()
OTHER_NAMES = ("Bob Brown", "Cara Chen", "Dev Dutta", "Eve Evans", "Pat Professor", "Cory Coach")


def run_round(c: Course, anonymity: str) -> None:
    assert configure(c, anonymity=anonymity).status_code == 303
    r = c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(UPLOAD), "essay.txt"), "body": "My essay"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    for who in student_subs()[1:]:
        body = "I talked it over with Alice Anders" if who == "bob" else "An essay"
        assert c.post(who, "/submit", {"body": body}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # allocation
    cids = list(c.query(select(FeedbackCriterion.id).order_by(FeedbackCriterion.position)))
    for who in student_subs():
        pid = c.query(select(Person.id).where(Person.sub == who))[0]
        for alloc in c.query(
            select(FeedbackAllocation).where(
                FeedbackAllocation.reviewer_id == pid, FeedbackAllocation.kind == "peer"
            )
        ):
            data: dict[str, Any] = {f"level-{cid}": "1" for cid in cids}
            data.update({f"comment-{cid}": "A careful argument" for cid in cids})
            data.update(overall="Well argued", action="submit")
            assert c.post(who, f"/reviews/{alloc.id}", data).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # respond: scores computed
    assert c.post("prof", "/scores").status_code == 303


def text_cells(needle: str) -> list[str]:
    """Every table.column, of every table, whose text or JSON holds the needle (needs an app
    context)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | JSON):  # Text is a String
                continue
            as_text = cast(column, Text) if isinstance(column.type, JSON) else column
            hits = db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(as_text.contains(needle, autoescape=True))
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def stored_bytes() -> list[bytes]:
    store = storage.current()
    return [store.read(k) or b"" for k in store.keys()]
