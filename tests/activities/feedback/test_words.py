"""A walk through a feedback class after peer review and scoring (double-blind, fractional
weights): no page, CSV or LMS comment shows a raw status key, a database id as an anonymous
label or an unformatted float (issue 15, item 2; tests/readable.py)."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.models import OutboxScore
from lti_tool.models.feedback import FeedbackSubmission
from tests.activities.feedback.test_anonymity_http import _through_respond
from tests.activities.feedback.test_flow_http import _allocations_of
from tests.readable import csv_problems, page_problems


def test_a_reviewed_class_reads_as_words(course):
    _through_respond(course, "double_blind")
    subs = course.query(select(FeedbackSubmission))
    pages = {
        "prof home": course.get("prof"),
        "coach home": course.get("coach"),
        "prof settings": course.get("prof", "/settings"),
        "alice home": course.get("alice"),
        "bob home": course.get("bob"),
        "alice home after an action": course.get("alice", query_string={"done": "respond"}),
        "progress": course.client.get(
            f"/activities/{course.activity_id}/progress",
            headers={"X-Launch-Token": course.tokens["prof"]},
        ),
    }
    for sub in subs[:3]:
        pages[f"prof submission {sub.id}"] = course.get("prof", f"/submissions/{sub.id}")
    for alloc in _allocations_of(course, "alice"):
        pages[f"alice review {alloc.id}"] = course.get("alice", f"/reviews/{alloc.id}")
    found = []
    for where, response in pages.items():
        assert response.status_code == 200, where
        found += page_problems(where, response.get_data(as_text=True))
    export = course.get("prof", "/export.csv")
    assert export.status_code == 200
    found += csv_problems("export.csv", export.get_data(as_text=True))
    comments = [c for c in course.query(select(OutboxScore.comment)) if c]
    found += [p for c in comments for p in page_problems("LMS comment", c)]
    assert found == [], "\n".join(found)


def test_the_student_page_says_what_next_shows_the_rubric_and_starts_round_two_from_round_one(
    course,
):
    _through_respond(course, "double_blind")
    home = course.get("alice").get_data(as_text=True)
    assert 'data-testid="next-step"' in home and "answer each comment" in home
    assert 'data-testid="rubric"' in home
    assert course.post("prof", "/phase").status_code == 303  # revise
    planned = course.post("alice", "/plan", {"plan": "Shorter sentences in part 2"})
    assert planned.status_code == 303 and "done=plan" in planned.headers["Location"]
    done = course.get("alice", query_string={"done": "plan"}).get_data(as_text=True)
    assert "Your revision plan is saved." in done and 'role="status"' in done
    assert course.post("prof", "/phase").status_code == 303  # round 2: submit
    staff = course.get("prof").get_data(as_text=True)
    assert "Move on to: Peer review" in staff
    round_two = course.get("alice").get_data(as_text=True)
    assert 'data-testid="prefilled"' in round_two and "Essay by alice</textarea>" in round_two
    assert 'data-testid="previous-plan"' in round_two and "Shorter sentences in part 2" in round_two
    assert "Submit your work for round 2." in round_two
