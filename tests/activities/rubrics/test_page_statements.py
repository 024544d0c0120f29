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


def _every_proposal_a_criterion(app, platform_id: int, size: int, phase: str = "vote") -> dict:
    """Every student proposes a criterion, each accepted as it is, then the vote opens (the
    shape bench/rubrics.py measures): a criterion per student."""
    course = make_course(platform_id, f"all-{size}", students=size)
    activity, setup = course.activity, course.setup
    made = [
        services.propose(activity, setup, s, f"Criterion {i}", "What it means", "Why")
        for i, s in enumerate(course.students)
    ]
    course.move("discuss")
    criteria = [services.accept_proposal(activity, setup, p.id, course.prof) for p in made]
    course.move("vote")
    link = ResourceLink(context_id=course.context.id, resource_link_id=f"link-{activity.id}")
    db.session.add(link)
    db.session.flush()
    db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
    student = course.students[0]
    db.session.add(LinkLaunch(person_id=student.id, resource_link_id=link.id))
    voting.cast_ballot(activity, setup, student, {criteria[0].id: 2})  # on the first page
    for i, s in enumerate(course.students[1:], 1):
        voting.cast_ballot(activity, setup, s, {criteria[(i * 7) % size].id: 1 + i % 4})
    if phase != "vote":
        course.move(phase)
    db.session.commit()
    member = (
        db.session.query(Membership)
        .filter_by(person_id=student.id, context_id=course.context.id)
        .one()
    )
    token = sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=student.id,
        context_id=course.context.id,
        membership_id=member.id,
        secret_key=app.config["SECRET_KEY"],
    )
    prof = (
        db.session.query(Membership)
        .filter_by(person_id=course.prof.id, context_id=course.context.id)
        .one()
    )
    prof_token = sessions.session_token_for_member(
        platform_id=platform_id,
        person_id=prof.person_id,
        context_id=course.context.id,
        membership_id=prof.id,
        secret_key=app.config["SECRET_KEY"],
    )
    return {
        "path": f"/rubrics/{activity.id}",
        "token": token,
        "prof_token": prof_token,
        "activity_id": activity.id,
        "student_id": student.id,
        "criteria": [c.id for c in criteria],
    }


def _ballot_fields(html: str) -> dict[str, str]:
    import re
    from html import unescape

    form = html.split('data-testid="ballot-form"', 1)[1].split("</form>", 1)[0]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def test_a_criterion_per_student_pages_the_criteria_and_the_ballot_keeps_every_vote(
    app, client, platform
):
    """With a criterion per student the page lists one page of them (statements and HTML do
    not grow with the class); a ballot cast from another page keeps the votes on the first."""
    with app.app_context():
        small = _every_proposal_a_criterion(app, platform.id, 5)
        large = _every_proposal_a_criterion(app, platform.id, 70)
        engine = db.engine
        db.session.remove()
    for c in (small, large):
        _render(client, engine, c["path"], c["token"])  # warm-up
    few, few_html = _render(client, engine, small["path"], small["token"])
    many, many_html = _render(client, engine, large["path"], large["token"])
    assert few == many, (few, many)
    assert few_html.count('name="votes-') == 5  # a small class: every criterion
    assert 'data-testid="criteria-pages"' not in few_html
    assert many_html.count('data-testid="criterion"') == board.CRITERIA_PAGE
    assert "Criteria (70)" in many_html and "Showing criteria 1–30 of 70" in many_html
    assert _render(client, engine, large["path"], large["token"], {"cpage": 3})[0] == many
    # Page 2: its criteria to vote on, and the vote on page 1 carried along.
    page2 = _render(client, engine, large["path"], large["token"], {"cpage": 2})[1]
    fields = _ballot_fields(page2)
    first, on_page2 = large["criteria"][0], large["criteria"][board.CRITERIA_PAGE]
    assert fields[f"votes-{first}"] == "2" and "Criterion 0 (2)" in page2
    assert f"votes-{on_page2}" in fields and f'id="v-{first}"' not in page2
    fields[f"votes-{on_page2}"] = "3"
    posted = client.post(f"{large['path']}/ballot", data=fields)
    assert posted.status_code == 303, posted.get_data(as_text=True)[:500]
    with app.app_context():
        from lti_tool.models import Activity, Person

        activity = db.session.get(Activity, large["activity_id"])
        student = db.session.get(Person, large["student_id"])
        assert voting.ballot_of(activity, student) == {first: 2, on_page2: 3}
        # Every criterion is reached by its page.
        total = len(large["criteria"])
    seen = set()
    for cpage in (1, 2, 3):
        html = _render(client, engine, large["path"], large["token"], {"cpage": cpage})[1]
        seen |= {int(x.split('"', 1)[0]) for x in html.split('name="votes-')[1:]}
    assert seen == set(large["criteria"]) and total == 70


def test_vote_results_are_paged_most_points_first(app, client, platform):
    with app.app_context():
        large = _every_proposal_a_criterion(app, platform.id, 40, phase="describe")
        from lti_tool.models import Activity

        everyone = voting.tallies(db.session.get(Activity, large["activity_id"]))
        engine = db.engine
        db.session.remove()
    rows = []
    for tpage in (1, 2):
        html = _render(client, engine, large["path"], large["token"], {"tpage": tpage})[1]
        table = html.split('data-testid="tally-table"', 1)[1].split("</table>", 1)[0]
        rows += [r.split("</td>", 1)[0] for r in table.split("<tr><td>")[1:]]
    assert rows == [t.title for t in everyone]
    # The facilitator's selection form on page 2 keeps the rubric's criteria listed on page 1.
    chosen = {t.criterion_id for t in everyone if t.selected}
    html = _render(client, engine, large["path"], large["prof_token"], {"cpage": 2})[1]
    form = (
        html.split('name="criterion_ids"', 1)[0].rsplit("<form", 1)[1]
        + html.split('name="criterion_ids"', 1)[1].split("</form>", 1)[0]
    )
    page1 = set(large["criteria"][: board.CRITERIA_PAGE])
    assert chosen & page1, "the vote chose some criteria on page 1"
    for cid in chosen & page1:
        assert f'type="hidden" name="criterion_ids" value="{cid}"' in html, cid
    assert "stay in it" in form
    assert (
        "Showing criteria 1–30 of 40" in _render(client, engine, large["path"], large["token"])[1]
    )
