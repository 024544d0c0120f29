"""The facilitator's progress page costs the same number of SQL statements whatever the class
size (the bench measures its time)."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.auth import sessions
from lti_tool.extensions import db
from lti_tool.models import Context, Deployment, Membership, Person, PlacedBy, Role
from lti_tool.models.feedback import FeedbackAllocation


def _class(app, platform_id: int, size: int, label: str) -> tuple[str, str]:
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform_id)
    ).first()
    context = Context(platform_id=platform_id, deployment_id=deployment.id, context_id=label)
    db.session.add(context)
    db.session.flush()
    prof = Person(platform_id=platform_id, sub=f"prof-{label}", name="Prof")
    people = [
        Person(platform_id=platform_id, sub=f"{label}-{n}", name=f"S {n}") for n in range(size)
    ]
    db.session.add_all([prof, *people])
    db.session.flush()
    member = Membership(person_id=prof.id, context_id=context.id, role=Role.FACILITATOR)
    db.session.add(member)
    db.session.add_all(
        Membership(person_id=p.id, context_id=context.id, role=Role.STUDENT) for p in people
    )
    activity = create_activity(
        context,
        ActivityConfig(kind="feedback_rounds", title="E", points=10),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )
    svc.set_direct_rubric(activity, prof, [svc.CriterionInput("A", "", ("lo", "hi"))])
    for p in people[:-1]:  # one has not submitted
        svc.submit(activity, p, body="x")
    svc.advance_phase(activity, prof)
    cid = svc.criteria_of(activity)[0].id
    by_id = {p.id: p for p in people}
    for n, alloc in enumerate(
        db.session.scalars(
            select(FeedbackAllocation).where(FeedbackAllocation.activity_id == activity.id)
        ).all()
    ):
        if n % 2:
            save_review(
                activity,
                by_id[alloc.reviewer_id],
                alloc,
                ReviewInput({cid: n % 2}, {cid: "c"}, "", True),
            )
    db.session.commit()
    token = sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=prof.id,
        context_id=context.id,
        membership_id=member.id,
        secret_key=app.config["SECRET_KEY"],
    )
    return f"/feedback/{activity.id}", token


def test_progress_page_query_count_is_constant(app, client, platform):
    with app.app_context():
        small = _class(app, platform.id, 4, "small")
        large = _class(app, platform.id, 30, "large")
        engine = db.engine
        db.session.remove()
    counts = []
    for url, token in (small, large):
        statements = 0

        def count(*_):
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)
        response = client.get(url, headers={"X-Launch-Token": token})
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        counts.append(statements)
    assert counts[0] == counts[1], counts


def test_filters_search_and_pages_cost_the_same_and_reach_everyone(app, client, platform):
    with app.app_context():
        url, token = _class(app, platform.id, 60, "paged")
        engine = db.engine
        db.session.remove()
    statements = 0

    def count(*_):
        nonlocal statements
        statements += 1

    def get(**query):
        nonlocal statements
        statements = 0
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(url, query_string=query, headers={"X-Launch-Token": token})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return statements, response.get_data(as_text=True)

    get()  # warm-up
    base, html = get(show="all")
    assert "59 of 60 submitted" in html and html.count('data-testid="student-row"') == 50
    names: set[str] = set()
    for page in (1, 2):
        n, html = get(show="all", page=page)
        assert n == base
        names |= set(re.findall(r">(S \d+)<", html))
    assert len(names) == 60  # every student, a page at a time
    n, html = get(show="not_submitted")
    assert n == base and html.count('data-testid="student-row"') == 1 and "S 59" in html
    n, html = get(show="all", q="S 42")
    assert n == base and html.count('data-testid="student-row"') == 1 and ">S 42<" in html


def test_the_counts_agree_with_the_full_report(app, platform):
    """The SQL counts of the page match reports.progress, which walks every object."""
    from lti_tool.activities.feedback import progress, reports
    from lti_tool.models import Activity

    with app.app_context():
        url, _ = _class(app, platform.id, 25, "agree")
        activity = db.session.get(Activity, int(url.rsplit("/", 1)[1]))
        full = reports.progress(activity)
        page = progress.class_progress(activity, progress.Listing(show="all"))
        assert page.students == len(full.students)
        assert page.submitted == len(full.submitted) and page.late == len(full.late)
        assert page.outstanding == sum(full.outstanding.values())
        assert page.responded == len(full.responded)
        assert page.counts["outstanding"] == len(
            [s for s in full.students if full.outstanding.get(s.id)]
        )
        by_row = {r.person_id: r.outstanding for r in page.rows}
        assert by_row == {s.id: full.outstanding.get(s.id, 0) for s in full.students}
        assert page.disagreement_count == len(full.disagreements)
        assert {(sid, title) for sid, _, title, _ in page.disagreements} == {
            (sid, title) for sid, title, _ in full.disagreements
        }


def _work_of(person_id: int) -> tuple[int, int, int, int]:
    """A student's own share of the round: reviews allocated to them and submitted, reviews of
    their work allocated and submitted (the page reads a review's comments one review at a
    time, so two students compare only with the same share)."""
    from lti_tool.models.feedback import FeedbackReview, FeedbackSubmission

    def reviews(*where):
        rows = db.session.execute(
            select(FeedbackAllocation.id, FeedbackReview.submitted_at)
            .outerjoin(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
            .where(*where)
        ).all()
        return len(rows), sum(1 for _, at in rows if at is not None)

    given = reviews(FeedbackAllocation.reviewer_id == person_id)
    received = reviews(
        FeedbackAllocation.submission_id.in_(
            select(FeedbackSubmission.id).where(FeedbackSubmission.person_id == person_id)
        )
    )
    return (*given, *received)


def _student_token(app, platform_id: int, label: str, like: tuple | None = None):
    """A session for a student of the course whose own work is `like` (the first student
    when None), who launched the activity's link (a student reaches an activity only through
    a link they launched: auth/scope.py); and that student's work."""
    from lti_tool.models import Activity, LinkLaunch, Placement, ResourceLink

    context = db.session.scalars(select(Context).where(Context.context_id == label)).one()
    activity = db.session.scalars(select(Activity).where(Activity.context_id == context.id)).one()
    members = db.session.scalars(
        select(Membership)
        .where(Membership.context_id == context.id, Membership.role == Role.STUDENT)
        .order_by(Membership.id)
    ).all()
    member = next(m for m in members if like is None or _work_of(m.person_id) == like)
    link = ResourceLink(context_id=context.id, resource_link_id=f"link-{activity.id}")
    db.session.add(link)
    db.session.flush()
    db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
    db.session.add(LinkLaunch(person_id=member.person_id, resource_link_id=link.id))
    db.session.commit()
    token = sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=member.person_id,
        context_id=context.id,
        membership_id=member.id,
        secret_key=app.config["SECRET_KEY"],
    )
    return token, _work_of(member.person_id)


def test_a_students_page_costs_the_same_in_a_class_of_6_and_of_60(app, client, platform):
    """A student's page shows their own work and what they review, never the class: the same
    statements whatever its size (and about the same HTML)."""
    with app.app_context():
        few_path, _ = _class(app, platform.id, 6, "few-s")
        many_path, _ = _class(app, platform.id, 60, "many-s")
        few_token, work = _student_token(app, platform.id, "few-s")
        many_token, _ = _student_token(app, platform.id, "many-s", like=work)
        pages = [(few_path, few_token), (many_path, many_token)]
        engine = db.engine
    counts, sizes = [], []
    for path, token in pages:
        client.get(path, headers={"X-Launch-Token": token})  # rows made on first visit
        statements = 0

        def count(*_):
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(path, headers={"X-Launch-Token": token})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        counts.append(statements)

        sizes.append(len(response.data))
    assert counts[0] == counts[1], counts
    assert sizes[1] < sizes[0] * 1.2, sizes
