"""Issue 11, item 12: the feedback CSV with a reviewer's formula in every text a student writes.
Every such cell reaches the facilitator's spreadsheet as text."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from lti_tool.models.feedback import FeedbackAllocation
from tests.activities.feedback.conftest import STUDENTS, configure, student_subs
from tests.activities.feedback.test_flow_http import _criteria_ids, _submit_all

FORMULAS = ["\t=cmd|' /C calc'!A0", "\r=1+1", '=HYPERLINK("https://evil.example.net")', "@SUM(1)"]


def test_formulas_in_reviews_stay_text_in_the_feedback_csv(course):
    c = course
    configure(c)
    _submit_all(c)
    assert c.post("prof", "/phase").status_code == 303  # review
    cids = _criteria_ids(c)
    for n, who in enumerate(student_subs()):
        pid = c.person_id(next(s for s in STUDENTS if s.lower().startswith(who)))
        allocs = c.query(
            select(FeedbackAllocation).where(
                FeedbackAllocation.reviewer_id == pid, FeedbackAllocation.kind == "peer"
            )
        )
        for alloc in allocs:
            data = {f"level-{cid}": "1" for cid in cids}
            data.update({f"comment-{cid}": FORMULAS[n % len(FORMULAS)] for cid in cids})
            data.update(overall=FORMULAS[(n + 1) % len(FORMULAS)], action="submit")
            assert c.post(who, f"/reviews/{alloc.id}", data).status_code == 303
    response = c.get("prof", "/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = rows[0], rows[1:]
    assert body
    for row in body:
        for name in ("comment", "overall"):
            cell = row[header.index(name)]
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
            assert cell.startswith("'") and cell[1:].strip() in {f.strip() for f in FORMULAS}
