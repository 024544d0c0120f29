"""The class progress page at class scale: the same SQL statements for a class of 8 as of 120,
one page of students at a time, filters counted for the whole class, and every student reached
by page, filter or name search in class_status's order."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lti_tool.auth import sessions
from lti_tool.extensions import db
from lti_tool.grading.status import FILTERS, PAGE_SIZE, Delivery, class_status
from lti_tool.models import (
    Activity,
    DeliveryStatus,
    Membership,
    OutboxScore,
    Platform,
    Role,
    utcnow,
)
from tests.activities.goals.builders import make_course, seed_class


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def _class(app, platform_id: int, size: int) -> tuple[int, str]:
    """A course of `size` students: every other one launched, every third with a delivered
    score, every seventh failed, every fifth held, one scored by hand; (activity id, the
    facilitator's token)."""
    course = make_course(db.session.get(Platform, platform_id), f"progress-{size}", students=())
    activity = course.activity
    seed_class(activity, size, start=size * 1000)
    members = db.session.scalars(
        select(Membership)
        .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
        .order_by(Membership.id)
    ).all()
    now = utcnow()
    for i, m in enumerate(members):
        if i % 2 == 0:
            m.last_launch_at = now
        status = (
            DeliveryStatus.FAILED
            if i % 7 == 0
            else DeliveryStatus.HELD
            if i % 5 == 0
            else DeliveryStatus.DELIVERED
            if i % 3 == 0
            else None
        )
        if status is not None:
            db.session.add(
                OutboxScore(
                    platform_id=platform_id,
                    context_id=activity.context_id,
                    activity_id=activity.id,
                    person_id=m.person_id,
                    score_given=i % 10,
                    score_maximum=10,
                    activity_progress="Completed",
                    grading_progress="FullyGraded",
                    score_timestamp=now,
                    status=status,
                    attempts=3 if status == DeliveryStatus.FAILED else 0,
                    manual_score=5 if i == 3 else None,
                    manual_at=now if i == 3 else None,
                )
            )
    prof = db.session.scalars(
        select(Membership).where(
            Membership.context_id == activity.context_id,
            Membership.person_id == course.people["prof"].person.id,
        )
    ).one()
    token = sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=prof.person_id,
        context_id=prof.context_id,
        membership_id=prof.id,
        secret_key=app.config["SECRET_KEY"],
    )
    db.session.commit()
    return activity.id, token


def _render(client, engine, activity_id: int, token: str, **query) -> tuple[int, str]:
    statements = 0

    def count(*_):
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(
            f"/activities/{activity_id}/progress",
            query_string=query,
            headers={"X-Launch-Token": token},
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return statements, response.get_data(as_text=True)


def _people(html: str) -> list[int]:
    return [int(chunk.split('"', 1)[0]) for chunk in html.split('<tr data-person="')[1:]]


def test_the_progress_page_costs_the_same_for_8_and_120_students(app, client, platform):
    with app.app_context():
        small = _class(app, platform.id, 8)
        large = _class(app, platform.id, 120)
        engine = db.engine
    for activity_id, token in (small, large):  # warm-up: rows made on first use
        _render(client, engine, activity_id, token)
    few, few_html = _render(client, engine, *small)
    many, many_html = _render(client, engine, *large)
    assert few == many, (few, many)
    assert len(_people(few_html)) == 8 and len(_people(many_html)) == PAGE_SIZE
    assert "showing 50 of 120, page 1 of 3" in many_html
    # Another page, a filter and a search cost the same.
    for query in ({"page": 3}, {"show": "attention"}, {"q": "Student 120005"}):
        assert _render(client, engine, *large, **query)[0] == many, query


def test_every_student_is_reached_in_class_status_order(app, client, platform):
    with app.app_context():
        activity_id, token = _class(app, platform.id, 120)
        engine = db.engine
        everyone = class_status(db.session.get(Activity, activity_id))
    listed = []
    for page in (1, 2, 3):
        listed += _people(_render(client, engine, activity_id, token, page=page)[1])
    assert listed == [s.person_id for s in everyone]
    # Each filter lists exactly its students, and its count says how many.
    rules = {
        "all": lambda s: True,
        "not_launched": lambda s: s.launched_at is None,
        "not_started": lambda s: s.delivery == Delivery.NONE,
        "attention": lambda s: s.needs_attention,
        "held": lambda s: s.delivery == Delivery.HELD,
        "by_hand": lambda s: s.by_hand,
    }
    assert set(rules) == set(FILTERS)
    first = _render(client, engine, activity_id, token)[1]
    for key, rule in rules.items():
        wanted = [s.person_id for s in everyone if rule(s)]
        assert f"{FILTERS[key]} ({len(wanted)})" in first, key
        shown, page = [], 1
        while len(shown) < len(wanted):
            shown += _people(_render(client, engine, activity_id, token, show=key, page=page)[1])
            page += 1
        assert shown == wanted, key
    found = _people(_render(client, engine, activity_id, token, q="student 120007")[1])
    assert len(found) == 1
    # A page past the end shows the last one.
    assert _people(_render(client, engine, activity_id, token, page=99)[1]) == listed[100:]
