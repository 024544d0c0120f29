"""Finding 11 for feedback rounds, as the attack: ids beyond the integer range in form fields
(PostgreSQL refuses to compare an integer column with them) give a 4xx and write nothing."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission
from tests.activities.feedback.conftest import configure


def test_a_reviewer_id_beyond_the_integer_range_is_a_400(course):
    c = course
    assert configure(c).status_code == 303
    assert c.post("alice", "/submit", {"body": "Essay"}).status_code == 303
    sub = c.query(select(FeedbackSubmission))[0]
    for huge in (str(2**31), str(2**63), "9" * 40):
        response = c.post("prof", f"/submissions/{sub.id}/assign", {"reviewer_id": huge})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert "whole number" in response.get_data(as_text=True)
    assert c.query(select(FeedbackAllocation)) == []


def test_a_review_level_beyond_the_integer_range_is_a_400(course):
    c = course
    assert configure(c).status_code == 303
    for who in ("alice", "bob", "cara", "dev", "eve"):
        c.post(who, "/submit", {"body": f"Essay by {who}"})
    assert c.post("prof", "/phase", {}).status_code == 303
    alloc = c.query(select(FeedbackAllocation).where(FeedbackAllocation.kind == "peer"))[0]
    from lti_tool.models import Person

    who = c.query(select(Person.sub).where(Person.id == alloc.reviewer_id))[0]
    response = c.post(who, f"/reviews/{alloc.id}", {"level-1": str(2**40), "action": "draft"})
    assert 400 <= response.status_code < 500
