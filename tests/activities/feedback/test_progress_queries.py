"""The facilitator's progress page costs the same number of SQL statements whatever the class
size (the bench measures its time)."""

from __future__ import annotations

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
