"""The rubric page, as a student and as the facilitator, runs as many SQL statements for a class
of 40 as for a class of 5 (and its HTML stays one page's worth), in every phase it lists
proposals in; a search or another page of proposals costs the same. The bench
(bench/class_pages.py) measures the time."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lti_tool.activities.rubrics import board, levels, services, voting
from lti_tool.auth import sessions
from lti_tool.extensions import db
from lti_tool.models import LinkLaunch, Membership, Placement, ResourceLink
from tests.activities.rubrics.conftest import make_course


def _class(app, platform_id: int, size: int, phase: str) -> dict[str, tuple[str, str]]:
    """A class of `size` where everyone proposed and commented; 4 in 5 proposals merged into
    criteria, each drafted; (path, token) for a student and the facilitator."""
    course = make_course(platform_id, f"course-{size}-{phase}", students=size)
    activity, setup = course.activity, course.setup
    made = [
        services.propose(activity, setup, s, f"Criterion {i}", "What it means", "Why")
        for i, s in enumerate(course.students)
    ]
    for i, s in enumerate(course.students):
        services.comment(activity, setup, made[(i + 1) % size].id, s, "I agree")
    course.move("discuss")
    merged = [p.id for i, p in enumerate(made) if i % 5 != 4]
    groups = min(3, len(merged) // 2)
    for g in range(groups):
        ids = merged[g::groups]
        services.merge_proposals(activity, setup, ids, f"Merged {g}", "D", course.prof)
    if phase in ("vote", "describe"):
        course.move("vote")
        criteria = services.criteria_of(activity)
        for i, s in enumerate(course.students):
            voting.cast_ballot(activity, setup, s, {criteria[i % len(criteria)].id: 2})
    if phase == "describe":
        course.move("describe")
        for c in services.criteria_of(activity, selected_only=True):
            for s in course.students:
                levels.draft_level(activity, setup, c.id, 0, s, "L", "Level")
    link = ResourceLink(context_id=course.context.id, resource_link_id=f"link-{activity.id}")
    db.session.add(link)
    db.session.flush()
    db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
    db.session.add(LinkLaunch(person_id=course.students[0].id, resource_link_id=link.id))
    db.session.commit()
    out = {}
    for who, person in (("student", course.students[0]), ("prof", course.prof)):
        member = (
            db.session.query(Membership)
            .filter_by(person_id=person.id, context_id=course.context.id)
            .one()
        )
        token = sessions.session_token_for_member(
            platform_id=platform_id,
            person_id=person.id,
            context_id=course.context.id,
            membership_id=member.id,
            secret_key=app.config["SECRET_KEY"],
        )
        out[who] = (f"/rubrics/{activity.id}", token)
    return out


def _render(client, engine, path: str, token: str, query: dict | None = None) -> tuple[int, str]:
    statements = 0

    def count(*_):
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, query_string=query or {}, headers={"X-Launch-Token": token})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return statements, response.get_data(as_text=True)


@pytest.mark.parametrize("phase", ["discuss", "vote", "describe"])
def test_the_rubric_page_costs_the_same_for_5_and_40_students(app, client, platform, phase):
    with app.app_context():
        small = _class(app, platform.id, 5, phase)
        large = _class(app, platform.id, 40, phase)
        engine = db.engine
        db.session.remove()
    for who in ("student", "prof"):
        for path, token in (small[who], large[who]):  # warm-up: rows made on first use
            _render(client, engine, path, token)
        few, few_html = _render(client, engine, *small[who])
        many, many_html = _render(client, engine, *large[who])
        assert few == many, (who, phase, few, many)
        # One page of the classmates' proposals, whatever the class size.
        shown = many_html.count('data-testid="proposal"')
        assert shown <= board.PAGE_SIZE + 1, (who, shown)
        assert few_html.count('data-testid="proposal"') == 5  # a small class: everything
        # Another page, a search and a filter cost the same.
        for query in ({"page": 2}, {"q": "Criterion 3"}, {"fate": "open"}):
            assert _render(client, engine, *large[who], query)[0] == many, (who, query)


def test_every_proposal_is_reachable_by_page_or_search(app, client, platform):
    with app.app_context():
        large = _class(app, platform.id, 45, "discuss")
        engine = db.engine
        db.session.remove()
    path, token = large["student"]
    seen: set[str] = set()
    for page in (1, 2, 3):
        html = _render(client, engine, path, token, {"page": page})[1]
        seen |= {chunk.split("</h3>", 1)[0] for chunk in html.split('<h3 id="proposal-')[1:]}
    assert len(seen) == 45  # the student's own and 44 classmates'
    html = _render(client, engine, path, token, {"q": "Criterion 37"})[1]
    assert html.count('data-testid="proposal"') == 2  # their own is always shown first
    assert ">Criterion 37</h3>" in html
    html = _render(client, engine, path, token, {"fate": "open"})[1]
    assert "9 open" in html and html.count('data-testid="proposal"') == 1 + 9
