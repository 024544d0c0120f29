"""The page's reading: a fixed number of queries however many proposals, comments, criteria and
drafts there are; the tally chart's geometry."""

from __future__ import annotations

from sqlalchemy import event

from lti_tool.activities.rubrics import board, levels, services, voting
from lti_tool.extensions import db
from lti_tool.models import Role
from tests.activities.rubrics.conftest import Course, person


def _grow(course: Course, n: int) -> None:
    setup = course.setup
    setup.phase = "propose"
    for i in range(n):
        author = person(course.context, f"extra-{course.activity.id}-{i}-{n}", "student", f"S{i}")
        p = services.propose(course.activity, setup, author, f"C{i}", "D", "")
        services.comment(course.activity, setup, p.id, course.students[0], "Hm")
    setup.phase = "discuss"
    for p in services.proposals_of(course.activity):
        if p.fate == "open":
            services.accept_proposal(course.activity, setup, p.id, course.prof)
    setup.phase = "describe"
    for c in services.criteria_of(course.activity):
        c.selected = True
        levels.draft_level(course.activity, setup, c.id, 0, course.students[1], "L", "D")
    db.session.commit()


def _queries(course: Course) -> int:
    db.session.expire_all()
    seen = 0

    def count(*_: object) -> None:
        nonlocal seen
        seen += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        board.board_for(course.activity, course.setup, course.students[0], Role.STUDENT)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_the_page_reads_in_a_fixed_number_of_queries(course):
    _grow(course, 3)
    few = _queries(course)
    _grow(course, 30)
    assert _queries(course) == few


def test_chart_bars_scale_to_the_largest_tally():
    tallies = [voting.Tally(1, "A", 10, 3, True), voting.Tally(2, "B", 5, 2, False)]
    geometry = board.chart(tallies)
    widths = [bar["w"] for bar in geometry["bars"]]
    assert widths[0] == 2 * widths[1] and geometry["height"] == 60
    assert board.chart([])["bars"] == []
