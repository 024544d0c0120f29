"""The class overview: a number of SQL queries that does not grow with class size, stages,
the CSV export and the class chart's text equivalent."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from lti_tool.activities.goals.charts import class_bars, student_series
from lti_tool.activities.goals.overview import class_overview, export_csv, stage_counts
from lti_tool.extensions import db
from lti_tool.models import Activity
from tests.activities.goals.builders import seed_class
from tests.activities.goals.http import set_up


@contextmanager
def counting(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _seed(app, activity_id, n, start):
    with app.app_context():
        seed_class(db.session.get(Activity, activity_id), n, start=start)
        db.session.commit()


def test_the_overview_of_1000_students_takes_as_many_queries_as_of_10(
    app, client, platform, platform_key
):
    gc = set_up(app, client, platform_key)
    coach = gc.people["coach"]
    _seed(app, gc.activity_id, 10, 0)
    coach.get(gc.base)  # the first visit makes the activity's settings row
    with counting(app) as small:
        page = coach.get(gc.base)
    assert (
        page.status_code == 200
        and page.get_data(as_text=True).count('data-testid="student-row"') == 12
    )
    _seed(app, gc.activity_id, 990, 10)
    with counting(app) as large:
        page = coach.get(gc.base)
    html = page.get_data(as_text=True)
    # Every student is listed, a page at a time: 1,002 over 21 pages of 50.
    assert page.status_code == 200 and html.count('data-testid="student-row"') == 50
    assert "1002 students" in html and "Page 1 of 21" in html
    last = coach.get(gc.base, page=21).get_data(as_text=True)
    assert last.count('data-testid="student-row"') == 2
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 15
    # Any one of them is found by name.
    found = coach.get(gc.base, q="Student 00995").get_data(as_text=True)
    assert found.count('data-testid="student-row"') == 1 and "Student 00995" in found


def test_stages_counts_export_and_chart(app, client, platform, platform_key):
    gc = set_up(app, client, platform_key)
    _seed(app, gc.activity_id, 20, 0)
    with app.app_context():
        activity = db.session.get(Activity, gc.activity_id)
        lines = class_overview(activity)
        counts = stage_counts(lines)
        assert counts["waiting"] == 4 and counts["reflected"] == 4 and counts["not_started"] == 6
        assert lines[0].stage == "waiting"  # the queue first
        assert sum(b.count for b in class_bars(lines)) == 16  # students with a check-in
        csv_text = export_csv(class_overview(activity, "reflected"))
        assert csv_text.count("\n") == 5 and "Partly achieved" in csv_text  # words, not "partly"


def test_a_student_chart_has_a_point_per_check_in():
    (series,) = student_series([("Goal", [10, 50, 90]), ("Empty", [])])
    assert series.values == (10, 50, 90) and len(series.points) == 3
    assert series.points[0][1] > series.points[-1][1]  # higher progress is higher up
