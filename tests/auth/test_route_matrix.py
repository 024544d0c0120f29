"""Route × role: every kind of page, for every way of being in the course, including a Canvas
observer (Mentor), an instructor demoted by a later learner launch, and a student who never
launched the activity's link. GET pages only; the writes are in test_authority.py."""

from __future__ import annotations

import pytest

from tests.auth.course import build_course

WHO = ("prof", "coach", "alice", "bob", "mentor", "demoted")

# path template → expected status for each of WHO, in that order.
MATRIX = {
    "/start": (200, 200, 200, 200, 200, 200),
    "/activities/{G}": (303, 303, 303, 303, 200, 303),
    "/activities/{F}": (303, 303, 303, 404, 200, 404),
    "/goals/{G}": (200, 200, 200, 200, 403, 200),
    "/goals/{G}/students/{alice}": (200, 200, 200, 403, 403, 403),
    "/goals/{G}/export.csv": (200, 403, 403, 403, 403, 403),
    "/goals/{G}/settings": (200, 403, 403, 403, 403, 403),
    "/feedback/{F}": (200, 200, 200, 404, 403, 404),
    "/feedback/{F}/export.csv": (200, 200, 403, 403, 403, 403),
    "/feedback/{F}/settings": (200, 403, 403, 403, 403, 403),
    "/activities/{G}/progress": (200, 200, 403, 403, 403, 403),
    "/activities/{G}/edit": (200, 403, 403, 403, 403, 403),
    "/artifacts/{G}/{alice}": (200, 200, 200, 403, 200, 403),
    "/artifacts/{G}/{bob}": (200, 200, 403, 200, 403, 403),
    "/artifacts/{F}/{alice}": (200, 200, 200, 404, 200, 404),
    "/admin/": (403, 403, 403, 403, 403, 403),
}


@pytest.fixture
def course(app, client, platform, platform_key):
    return build_course(app, client, platform_key)


def test_route_by_role_matrix(course):
    values = {
        "G": course.goals,
        "F": course.feedback,
        "alice": course.ids["alice"],
        "bob": course.ids["bob"],
    }
    got, want = {}, {}
    for template, statuses in MATRIX.items():
        path = template.format(**values)
        for who, status in zip(WHO, statuses, strict=True):
            got[(template, who)] = course.who(who).get(path).status_code
            want[(template, who)] = status
    wrong = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
    assert not wrong, "(route, who): (got, expected) " + repr(wrong)


def test_the_mentor_page_lists_only_the_mentees(course):
    page = course.who("mentor").get(f"/activities/{course.goals}").get_data(as_text=True)
    assert "Alice" in page and "Bob" not in page
    assert "export" not in page.lower() and "<form" not in page
