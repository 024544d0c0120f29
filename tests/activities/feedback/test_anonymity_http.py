"""Anonymity modes over HTTP: no page, export or JSON a student receives names an anonymous
reviewer or author; changed ids reach nobody else's work."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission
from tests.activities.feedback.conftest import STUDENTS, configure, student_subs
from tests.activities.feedback.test_flow_http import _allocations_of, _review_all, _submit_all
from tests.builders import error_code

OTHERS = [n for n in STUDENTS if not n.startswith("Alice")] + ["Cory Coach"]


def _through_respond(c, anonymity):
    configure(c, anonymity=anonymity)
    _submit_all(c)
    c.post("prof", "/phase")
    _review_all(c)
    alice_sub = c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id("Alice Anders")
        )
    )[0]
    r = c.post("coach", f"/submissions/{alice_sub.id}/staff-review")
    assert r.status_code == 303
    coach_alloc = re.search(r"/reviews/(\d+)", r.headers["Location"]).group(1)
    c.post(
        "coach",
        f"/reviews/{coach_alloc}",
        {"overall": "Staff view", "action": "submit", **{k: "1" for k in _level_fields(c)}},
    )
    c.post("prof", "/phase")
    c.post("prof", "/scores")


def _level_fields(c):
    from lti_tool.models.feedback import FeedbackCriterion

    return [f"level-{x.id}" for x in c.query(select(FeedbackCriterion))]


def _student_views(c, who="alice"):
    """Everything a student can fetch about the activity."""
    out = {
        "home": c.get(who).get_data(as_text=True),
        "json": c.get(who, "/mine.json").get_data(as_text=True),
    }
    for alloc in _allocations_of(c, who):
        out[f"review {alloc.id}"] = c.get(who, f"/reviews/{alloc.id}").get_data(as_text=True)
    pid = c.person_id("Alice Anders")
    out["artifact"] = c.client.get(
        f"/artifacts/{c.activity_id}/{pid}", headers={"X-Launch-Token": c.tokens[who]}
    ).get_data(as_text=True)
    return out


def _received_part(html):
    return "".join(re.findall(r'<article data-testid="received-review">.*?</article>', html, re.S))


def test_double_blind_names_nobody(course):
    _through_respond(course, "double_blind")
    views = _student_views(course)
    assert "Reviewer 1" in views["home"] and "Course staff" in views["home"]
    # A letter of the reviewer's own, never the database id ("Submission 2" told who was first).
    assert re.search(r"Work [A-Z]\b", views["home"])
    for where, html in views.items():
        assert not re.search(r"Submission \d", html), where
    json.loads(views["json"])
    for where, html in views.items():
        for name in OTHERS:
            assert name not in html, (where, name)


def test_single_blind_names_authors_to_reviewers_but_never_reviewers(course):
    _through_respond(course, "single_blind")
    views = _student_views(course)
    received = _received_part(views["home"])
    assert "Reviewer 1" in received
    data = json.loads(views["json"])
    for name in OTHERS:
        assert name not in received
        assert all(name not in json.dumps(r) for r in data["received"])
        assert name not in views["artifact"]
    assert any(n in json.dumps(data["reviewing"]) for n in OTHERS)  # authors are named


def test_open_names_both(course):
    _through_respond(course, "open")
    received = _received_part(course.get("alice").get_data(as_text=True))
    assert any(n in received for n in OTHERS)


def test_staff_see_names_and_students_cannot_export(course):
    _through_respond(course, "double_blind")
    csv_text = course.get("prof", "/export.csv").get_data(as_text=True)
    assert all(n in csv_text for n in STUDENTS)
    assert course.get("alice", "/export.csv").status_code == 403


def test_changed_ids_reach_nothing(course):
    c = course
    _through_respond(c, "double_blind")
    bob_alloc = _allocations_of(c, "bob")[0]
    r = c.get("alice", f"/reviews/{bob_alloc.id}")
    assert r.status_code == 404 and error_code(r) == "REVIEW_NOT_FOUND"
    for sub in c.query(select(FeedbackSubmission)):
        assert c.get("alice", f"/submissions/{sub.id}").status_code == 403
    bob = c.person_id("Bob Brown")
    r = c.client.get(
        f"/artifacts/{c.activity_id}/{bob}", headers={"X-Launch-Token": c.tokens["alice"]}
    )
    assert r.status_code == 403
    # a review Alice did not receive cannot be answered
    from lti_tool.models.feedback import FeedbackReview

    bob_sub = c.query(select(FeedbackSubmission.id).where(FeedbackSubmission.person_id == bob))[0]
    bob_allocs = {
        a.id
        for a in c.query(
            select(FeedbackAllocation).where(FeedbackAllocation.submission_id == bob_sub)
        )
    }
    review = next(r for r in c.query(select(FeedbackReview)) if r.allocation_id in bob_allocs)
    r = c.post("alice", f"/reviews/{review.id}/respond", {"helpfulness": "1"})
    assert r.status_code == 404 and error_code(r) == "REVIEW_NOT_FOUND"


def _stored_keys(app):
    from lti_tool import storage

    with app.app_context():
        return list(storage.current().keys())


def test_files_limits_and_access(course, app):
    c = course
    configure(c)
    big = io.BytesIO(b"%PDF" + b"0" * (5 * 1024 * 1024))
    r = c.post("alice", "/submit", {"file": (big, "essay.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 413 and error_code(r) == "FILE_TOO_LARGE"
    r = c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(b"MZ..."), "x.exe")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 415
    r = c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(b"not a pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 415
    assert _stored_keys(app) == []
    r = c.post(
        "alice",
        "/submit",
        {"file": (io.BytesIO(b"%PDF-1.4 Alice Anders"), "Alice Anders essay.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    stored = _stored_keys(app)
    assert len(stored) == 1 and "Alice" not in stored[0]
    # Kept outside the web root: in the database, or in a folder that is not the static one.
    upload_dir = app.extensions["coproduce.settings"].UPLOAD_DIR
    assert not str(upload_dir).startswith(str(Path(app.root_path).parent / "static"))
    for who in student_subs()[1:]:
        c.post(who, "/submit", {"body": "text"})
    sub = c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id("Alice Anders")
        )
    )[0]
    r = c.get("alice", f"/files/{sub.id}")
    assert r.status_code == 200 and f"submission-{sub.id}.pdf" in r.headers["Content-Disposition"]
    assert c.get("bob", f"/files/{sub.id}").status_code == 404  # not (yet) her reviewer
    c.post("prof", "/phase")
    from lti_tool.models import Person

    reviewers = c.query(
        select(Person.sub)
        .join(FeedbackAllocation, FeedbackAllocation.reviewer_id == Person.id)
        .where(FeedbackAllocation.submission_id == sub.id)
    )
    assert c.get(reviewers[0], f"/files/{sub.id}").status_code == 200
    outsider = next(s for s in student_subs() if s not in reviewers and s != "alice")
    assert c.get(outsider, f"/files/{sub.id}").status_code == 404
    assert c.get("coach", f"/files/{sub.id}").status_code == 200


@pytest.mark.parametrize("mode", ["manual"])
def test_manual_allocation_swap_and_assign(course, mode):
    c = course
    configure(c, allocation=mode)
    _submit_all(c)
    c.post("prof", "/phase")
    assert c.query(select(FeedbackAllocation)) == []
    alice_sub = c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id("Alice Anders")
        )
    )[0]
    bob, cara = c.person_id("Bob Brown"), c.person_id("Cara Chen")
    assert (
        c.post(
            "prof",
            f"/submissions/{alice_sub.id}/assign",
            {"reviewer_id": str(c.person_id("Alice Anders"))},
        ).status_code
        == 400
    )
    assert (
        c.post("prof", f"/submissions/{alice_sub.id}/assign", {"reviewer_id": str(bob)}).status_code
        == 303
    )
    assert (
        c.post("prof", f"/submissions/{alice_sub.id}/assign", {"reviewer_id": str(bob)}).status_code
        == 409
    )
    alloc = c.query(select(FeedbackAllocation))[0]
    assert (
        c.post("prof", f"/allocations/{alloc.id}/swap", {"reviewer_id": str(cara)}).status_code
        == 303
    )
    assert c.query(select(FeedbackAllocation))[0].reviewer_id == cara
    assert (
        c.post("prof", f"/allocations/{alloc.id}/swap", {"reviewer_id": "999999"}).status_code
        == 404
    )
