"""The extensions page over HTTP: who may see it and grant (facilitator; coach only when the
activity allows; never a student), CSRF on every form, ids of another course refused, and the
audit listed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lti_tool.lti.claims import CUSTOM
from lti_tool.models import CourseGroup, Extension
from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission
from tests.activities.feedback.conftest import configure, course  # noqa: F401  (fixture)
from tests.builders import error_code, launch, launch_token_of


def _path(c, suffix=""):
    return f"/activities/{c.activity_id}/extensions{suffix}"


def _get(c, who, suffix=""):
    return c.client.get(_path(c, suffix), headers={"X-Launch-Token": c.tokens[who]})


def _post(c, who, suffix="", data=None, csrf=True):
    body = {"launch_token": c.tokens[who], **(data or {})}
    if csrf:
        body["csrf_token"] = c.csrf_of(who)
    return c.client.post(_path(c, suffix), data=body)


def _grant(c, who, **extra):
    data = {
        "target": f"person:{c.person_id('Alice Anders')}",
        "phase": "r1:submit",
        "due": (date.today() + timedelta(days=4)).isoformat(),
        "reason": "Accommodation <letter>",
        **extra,
    }
    return _post(c, who, data=data)


def test_roles_on_the_extensions_page(course):  # noqa: F811
    c = course
    assert _get(c, "alice").status_code == 403
    assert _get(c, "prof").status_code == 200
    coach_page = _get(c, "coach")
    assert coach_page.status_code == 200
    assert 'data-testid="coach-read-only"' in coach_page.get_data(as_text=True)
    assert _grant(c, "alice").status_code == 403
    assert _grant(c, "coach").status_code == 403  # not allowed in this activity yet
    assert _post(c, "coach", "/policy", {"coaches": "on"}).status_code == 403
    assert _grant(c, "prof").status_code == 303
    assert _post(c, "prof", "/policy", {"coaches": "on"}).status_code == 303
    assert _grant(c, "coach", excused="on", phase="r1:review").status_code == 303
    rows = c.query(select(Extension).order_by(Extension.id))
    assert [(r.granted_role, r.excused) for r in rows] == [("facilitator", False), ("coach", True)]
    page = _get(c, "prof").get_data(as_text=True)
    assert 'data-testid="extension-audit"' in page
    assert "Pat Professor" in page and "Cory Coach" in page
    assert "Accommodation &lt;letter&gt;" in page  # escaped


def test_csrf_on_every_extensions_form(course):  # noqa: F811
    c = course
    for suffix, data in (
        ("", {"target": f"person:{c.person_id('Alice Anders')}", "phase": "*"}),
        ("/policy", {"coaches": "on"}),
    ):
        answer = _post(c, "prof", suffix, data, csrf=False)
        assert answer.status_code == 400 and error_code(answer) == "CSRF_FAILED"
    assert c.query(select(Extension)) == []


def test_bad_input_is_refused_and_nothing_written(course):  # noqa: F811
    c = course
    assert _grant(c, "prof", target="person:999999").status_code == 404
    assert _grant(c, "prof", target="group:typed:Nobody").status_code == 404
    assert _grant(c, "prof", phase="r9:submit").status_code == 400
    assert _grant(c, "prof", due="next week").status_code == 400
    assert _grant(c, "prof", target="nobody").status_code == 400
    assert _grant(c, "prof", target=f"person:{c.person_id('Pat Professor')}").status_code == 404
    assert c.query(select(Extension)) == []
    other = c.client.get("/activities/999/extensions", headers={"X-Launch-Token": c.tokens["prof"]})
    assert other.status_code == 404


def test_staff_page_links_to_extensions(course):  # noqa: F811
    page = course.get("prof").get_data(as_text=True)
    assert 'data-testid="extensions-link"' in page


def test_extended_student_submits_through_the_page_during_review(course):  # noqa: F811
    c = course
    assert configure(c, late_policy="refuse").status_code == 303
    for sub in ("alice", "bob", "cara", "eve"):
        assert c.post(sub, "/submit", {"body": "on time"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # review: allocated
    dev = c.person_id("Dev Dutta")
    assert 'data-testid="submit-work"' not in c.get("dev").get_data(as_text=True)
    assert _grant(c, "prof", target=f"person:{dev}").status_code == 303
    page = c.get("dev").get_data(as_text=True)
    assert 'data-testid="own-due"' in page and 'data-testid="submit-work"' in page
    assert c.post("dev", "/submit", {"body": "under my extension"}).status_code == 303
    sub = c.query(select(FeedbackSubmission).where(FeedbackSubmission.person_id == dev))[0]
    assert sub.late is False
    peers = c.query(
        select(FeedbackAllocation).where(
            FeedbackAllocation.submission_id == sub.id, FeedbackAllocation.kind == "peer"
        )
    )
    assert len(peers) == 2 and dev not in {a.reviewer_id for a in peers}
    assert "(late)" not in c.get("dev").get_data(as_text=True)


def test_granting_to_a_section_through_the_form(course, platform_key):  # noqa: F811
    """Sections arrive with the students' launches (Canvas substitution values); the form
    lists them by name, a grant to one reaches its members, and the audit names it."""
    c = course
    for who, name, section_id, section in (
        ("alice", "Alice Anders", "41", "A01"),
        ("bob", "Bob Brown", "41", "A01"),
        ("cara", "Cara Chen", "42", "A02"),
    ):
        custom = {
            "coproduce_canvas_section_ids": section_id,
            "coproduce_canvas_section_names": f'["{section}"]',
        }
        answer = launch(c.client, platform_key, "student", sub=who, name=name, **{CUSTOM: custom})
        c.tokens[who] = launch_token_of(answer)
        c.csrf.pop(who, None)
    a01 = c.query(select(CourseGroup.id).where(CourseGroup.name == "A01"))[0]
    page = _get(c, "prof").get_data(as_text=True)
    assert f'<option value="group:lms:{a01}">Section: A01</option>' in page
    assert "Section: A02" in page
    data = {
        "target": f"group:lms:{a01}",
        "phase": "r1:submit",
        "due": (date.today() + timedelta(days=5)).isoformat(),
        "reason": "Section on a field trip",
    }
    assert _post(c, "alice", data=data).status_code == 403
    assert _post(c, "coach", data=data).status_code == 403  # coaches not allowed here
    refused = _post(c, "prof", data=data, csrf=False)
    assert refused.status_code == 400 and error_code(refused) == "CSRF_FAILED"
    assert c.query(select(Extension)) == []
    assert _post(c, "prof", data=data).status_code == 303
    rows = c.query(select(Extension))
    assert [(r.target_type, r.group_key, r.granted_role) for r in rows] == [
        ("group", f"lms:{a01}", "facilitator")
    ]
    audit = _get(c, "prof").get_data(as_text=True)
    table = audit[audit.index('data-testid="extension-audit"') :]
    assert "<td>Section: A01</td>" in table and "Pat Professor" in table
    # Alice (A01) sees her own last day; Cara (A02) does not.
    assert 'data-testid="own-due"' in c.get("alice").get_data(as_text=True)
    assert 'data-testid="own-due"' not in c.get("cara").get_data(as_text=True)
