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


def _odd_students(course) -> None:
    """Students the seeded class lacks: one drafting, one revising, one waiting on two goals
    since different times, one whose two goals average 19.5 % (a chart band's edge), and one who
    left the course with a goal here; and a student with no name at all."""
    from datetime import timedelta

    from lti_tool.models import CheckIn, Goal, GoalVersion, Membership, Person, Role, utcnow

    activity = course.activity
    now = utcnow()
    made = {}
    for sub, name, role in (
        ("drafter", "Drafter", Role.STUDENT),
        ("reviser", "reviser", Role.STUDENT),
        ("queued", "Queued twice", Role.STUDENT),
        ("edge", "Edge", Role.STUDENT),
        ("gone", "Gone", Role.COACH),  # changed role: no longer a student
        ("nameless", None, Role.STUDENT),
    ):
        person = Person(platform_id=course.people["prof"].person.platform_id, sub=sub, name=name)
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Membership(person_id=person.id, context_id=activity.context_id, raw_roles=[], role=role)
        )
        made[sub] = person

    def goal(sub: str, status: str, submitted_hours_ago: float | None, progress=()) -> None:
        g = Goal(activity_id=activity.id, person_id=made[sub].id, status=status)
        db.session.add(g)
        db.session.flush()
        when = now - timedelta(hours=submitted_hours_ago) if submitted_hours_ago else None
        db.session.add(GoalVersion(goal_id=g.id, number=1, what=f"{sub} goal", submitted_at=when))
        for p in progress:
            db.session.add(CheckIn(goal_id=g.id, progress=p, confidence=3, evidence="e"))

    goal("drafter", "draft", None)
    goal("reviser", "changes", 5)
    goal("reviser", "agreed", 6, (40,))
    goal("queued", "pending", 1)
    goal("queued", "pending", 48)  # waiting longest of all: first in the queue
    goal("edge", "agreed", 3, (19,))
    goal("edge", "agreed", 3, (20,))
    goal("gone", "agreed", 3, (90,))
    db.session.flush()


def _seen(lines) -> list[tuple]:
    return [
        (
            s.person_id,
            s.name,
            s.stage,
            s.waiting_since,
            s.last_check_in,
            s.progress,
            [
                (g.id, g.what, g.status, g.version, g.check_ins, g.progress, g.outcome)
                for g in s.goals
            ],
        )
        for s in lines
    ]


def test_the_paged_overview_shows_what_the_export_holds(app, course, monkeypatch):
    """Counted, filtered, sorted and paged in SQL, the overview lists exactly the students,
    stages, goals and chart of the whole-class export (overview.class_overview), in its order."""
    from lti_tool.activities.goals import queries
    from lti_tool.activities.goals.overview import STAGES

    seed_class(course.activity, 23, start=0)
    _odd_students(course)
    monkeypatch.setattr(queries, "PAGE_SIZE", 4)
    everyone = class_overview(course.activity)
    for stage in (None, *STAGES):
        expected = class_overview(course.activity, stage)
        shown, page = [], 1
        while True:
            view = queries.overview_page(course.activity, queries.Listing(stage=stage, page=page))
            shown += view.lines
            if page >= view.pages:
                break
            page += 1
        assert _seen(shown) == _seen(expected), stage
        assert view.matching == len(expected)
        assert view.counts == stage_counts(everyone)
        assert view.bars == class_bars(everyone)
    assert everyone[0].name == "Queued twice"  # the oldest wait first
    assert any(s.name == "(no longer a student)" for s in everyone)
    assert any(s.name == "Anonymous user" for s in everyone)
    assert class_bars(everyone)[1].count >= 1  # 19.5 % rounds up into 20-39 %
    # A name search, case aside, and a page past the end (the last page is shown).
    found = queries.overview_page(course.activity, queries.Listing(query="REVISER"))
    assert [s.name for s in found.lines] == ["reviser"] and found.matching == 1
    late = queries.overview_page(course.activity, queries.Listing(page=99))
    assert late.listing.page == late.pages and _seen(late.lines) == _seen(
        everyone[(late.pages - 1) * 4 :]
    )
    nobody = queries.overview_page(course.activity, queries.Listing(query="nobody by that name"))
    assert nobody.lines == [] and nobody.matching == 0 and nobody.counts == stage_counts(everyone)


def _first_seeded_student(app, course, size: int) -> tuple[str, str]:
    """(path, token) for the first student seed_class made in a class of `size`: one reflected
    goal, two versions, two check-ins, whatever the class size; they launched the link."""
    from sqlalchemy import select

    from lti_tool.auth import sessions
    from lti_tool.models import LinkLaunch, Membership, Person, Placement, ResourceLink, Role

    activity = course.activity
    seed_class(activity, size, start=size * 100)
    person = db.session.scalars(select(Person).where(Person.sub == f"seed-{size * 100}")).one()
    member = db.session.scalars(
        select(Membership).where(
            Membership.person_id == person.id,
            Membership.context_id == activity.context_id,
            Membership.role == Role.STUDENT,
        )
    ).one()
    link = ResourceLink(context_id=activity.context_id, resource_link_id=f"link-{activity.id}")
    db.session.add(link)
    db.session.flush()
    db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
    db.session.add(LinkLaunch(person_id=person.id, resource_link_id=link.id))
    db.session.commit()
    token = sessions.session_token_for_member(
        platform_id=person.platform_id,
        person_id=person.id,
        context_id=activity.context_id,
        membership_id=member.id,
        secret_key=app.config["SECRET_KEY"],
    )
    return f"/goals/{activity.id}", token


def test_a_students_goal_page_costs_the_same_in_a_class_of_10_and_of_300(app, client, platform):
    from lti_tool.models import Platform
    from tests.activities.goals.builders import make_course

    with app.app_context():
        pages = [
            _first_seeded_student(
                app, make_course(db.session.get(Platform, platform.id), f"goals-{n}"), n
            )
            for n in (10, 300)
        ]
    counts, sizes = [], []
    for path, token in pages:
        client.get(path, headers={"X-Launch-Token": token})  # rows made on first visit
        with counting(app) as statements:
            response = client.get(path, headers={"X-Launch-Token": token})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(len(statements))
        sizes.append(len(response.data))
    assert counts[0] == counts[1], counts
    assert abs(sizes[1] - sizes[0]) < 200, sizes  # their own goals, not the class's
