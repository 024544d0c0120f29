"""The whole round over HTTP, per role: configure, submit, allocate, review, respond, endorse,
plan, score, contest and resolve."""

from __future__ import annotations

import re

from sqlalchemy import select

from lti_tool.models import Event, OutboxScore
from lti_tool.models.feedback import FeedbackAllocation, FeedbackReview, FeedbackSubmission
from tests.activities.feedback.conftest import RUBRIC, STUDENTS, configure, student_subs
from tests.builders import error_code


def _submit_all(c, subs=None):
    for who in subs or student_subs():
        r = c.post(who, "/submit", {"body": f"Essay by {who}"})
        assert r.status_code == 303, r.get_data(as_text=True)[:400]


def _allocations_of(c, who):
    pid = c.person_id(next(n for n in STUDENTS if n.lower().startswith(who)))
    return c.query(
        select(FeedbackAllocation).where(
            FeedbackAllocation.reviewer_id == pid, FeedbackAllocation.kind == "peer"
        )
    )


def _criteria_ids(c):
    from lti_tool.models.feedback import FeedbackCriterion

    return [x.id for x in c.query(select(FeedbackCriterion).order_by(FeedbackCriterion.position))]


def _review_all(c, level=2):
    cids = _criteria_ids(c)
    for who in student_subs():
        for alloc in _allocations_of(c, who):
            data = {
                f"level-{cid}": str(min(level, 1) if i else level) for i, cid in enumerate(cids)
            }
            data.update({f"comment-{cid}": f"Comment from {who}" for cid in cids})
            data.update(overall="Good work", action="submit")
            r = c.post(who, f"/reviews/{alloc.id}", data)
            assert r.status_code == 303, r.get_data(as_text=True)[:600]


def test_launch_goes_to_the_feedback_page(course):
    r = course.client.get(
        f"/activities/{course.activity_id}", headers={"X-Launch-Token": course.tokens["alice"]}
    )
    assert r.status_code == 303 and f"/feedback/{course.activity_id}" in r.headers["Location"]
    assert course.get("alice").status_code == 200
    assert course.get("prof").status_code == 200


def test_full_round(course):
    c = course
    assert configure(c).status_code == 303
    _submit_all(c)
    assert c.post("prof", "/phase").status_code == 303  # review: allocation
    allocs = c.query(select(FeedbackAllocation))
    assert len(allocs) == 2 * len(STUDENTS)
    _review_all(c)
    assert c.post("prof", "/phase").status_code == 303  # respond: scores computed
    page = c.get("alice").get_data(as_text=True)
    assert "Reviewer 1" in page and "Reviewer 2" in page
    reviews = c.query(select(FeedbackReview))
    alice = c.person_id("Alice Anders")
    mine = [
        r
        for r in reviews
        if c.query(
            select(FeedbackSubmission)
            .join(FeedbackAllocation, FeedbackAllocation.submission_id == FeedbackSubmission.id)
            .where(FeedbackAllocation.id == r.allocation_id)
        )[0].person_id
        == alice
    ]
    comment_ids = re.findall(r'name="response-(\d+)"', page)
    assert comment_ids
    review_id = mine[0].id
    data = {"helpfulness": "4"}
    ids_of_review = re.findall(rf"reviews/{review_id}/respond.*?(?=</form>)", page, re.S)[0]
    for cid in re.findall(r'name="response-(\d+)"', ids_of_review):
        data[f"response-{cid}"] = "wont"
        data[f"reason-{cid}"] = ""
    r = c.post("alice", f"/reviews/{review_id}/respond", data)
    assert r.status_code == 400  # "won't" needs a reason
    for cid in re.findall(r'name="response-(\d+)"', ids_of_review):
        data[f"reason-{cid}"] = "Out of scope"
    assert c.post("alice", f"/reviews/{review_id}/respond", data).status_code == 303
    # the reviewer sees the responses to their review
    reviewer = c.query(
        select(FeedbackAllocation).where(FeedbackAllocation.id == mine[0].allocation_id)
    )[0].reviewer_id
    from lti_tool.models import Person

    reviewer_sub = c.query(select(Person.sub).where(Person.id == reviewer))[0]
    written = c.get(reviewer_sub).get_data(as_text=True)
    assert "Responses to the reviews you wrote" in written and "Out of scope" in written
    assert "Rated 4/5 helpful" in written
    # the coach endorses a comment; both sides see it
    comment = re.findall(r'name="response-(\d+)"', ids_of_review)[0]
    assert c.post("coach", f"/comments/{comment}/endorse").status_code == 303
    assert "Endorsed by the coach" in c.get("alice").get_data(as_text=True)
    # revision plan linked to comments
    r = c.post("alice", "/plan", {"plan": "Tighten the argument", "comment_id": comment})
    assert r.status_code == 303
    assert c.post("alice", "/plan", {"plan": "x", "comment_id": "999999"}).status_code == 404
    # scores: outbox rows exist and the student sees how the score was made
    assert c.post("prof", "/scores").status_code == 303
    rows = c.query(select(OutboxScore))
    assert len(rows) == len(STUDENTS)
    assert {r.status for r in rows} == {"held"}  # peer-assessed: held until released
    page = c.get("alice").get_data(as_text=True)
    assert "how it was made" not in page and 'data-testid="score-held"' in page
    released = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert released.status_code == 303
    assert {r.status for r in c.query(select(OutboxScore))} == {"pending"}
    page = c.get("alice").get_data(as_text=True)
    assert "how it was made" in page and "Spread" in page and "Weights" in page
    # contest and resolve
    assert c.post("alice", "/contest", {"comment": "My evidence was rich"}).status_code == 303
    staff = c.get("prof").get_data(as_text=True)
    assert "My evidence was rich" in staff
    # The contest card links to the work it is about, and the work's page back to the contest.
    work = re.search(r'href="[^"]*(/submissions/\d+)[^"]*" data-testid="contest-work"', staff)
    assert work is not None
    work_page = c.get("prof", work.group(1)).get_data(as_text=True)
    assert 'data-testid="contest-open"' in work_page and "My evidence was rich" in work_page
    score_id = re.search(r"/scores/(\d+)/resolve", staff).group(1)
    r = c.post(
        "prof",
        f"/scores/{score_id}/resolve",
        {"decision": "override", "points": "9", "reason": "Evidence was rich"},
    )
    assert r.status_code == 303
    page = c.get("alice").get_data(as_text=True)
    assert "Contest overridden: Evidence was rich" in page and "9.0" in page
    verbs = {e.verb for e in c.query(select(Event))}
    assert {
        "feedback.submitted",
        "feedback.review_submitted",
        "feedback.responded",
        "feedback.endorsed",
        "feedback.contested",
        "feedback.score_overridden",
    } <= verbs
    # round 2: revise -> next round submit
    assert c.post("prof", "/phase").status_code == 303  # revise
    assert c.post("prof", "/phase").status_code == 303  # round 2 submit
    assert c.post("alice", "/submit", {"body": "Revised essay"}).status_code == 303
    assert "Round 2 of 2" in c.get("alice").get_data(as_text=True)


def test_refusals(course):
    c = course
    configure(c)
    assert c.post("alice", "/submit", {"body": ""}).status_code == 400
    assert c.post("alice", "/submit", {"link": "javascript:alert(1)"}).status_code == 400
    _submit_all(c)
    # reviewing before allocation: nothing allocated, any id is refused
    assert c.post("alice", "/reviews/1", {"action": "submit"}).status_code == 404
    c.post("prof", "/phase")
    bob_alloc = _allocations_of(c, "bob")[0]
    r = c.post("alice", f"/reviews/{bob_alloc.id}", {"overall": "x", "action": "submit"})
    assert r.status_code == 404 and error_code(r) == "REVIEW_NOT_FOUND"
    alice_alloc = _allocations_of(c, "alice")[0]
    cids = _criteria_ids(c)
    r = c.post("alice", f"/reviews/{alice_alloc.id}", {f"level-{cids[0]}": "9", "action": "draft"})
    assert r.status_code == 400 and "not in the rubric" in r.get_data(as_text=True)
    r = c.post(
        "alice",
        f"/reviews/{alice_alloc.id}",
        {f"level-{cids[0]}": "1", f"level-{cids[1]}": "1", "action": "submit"},
    )
    assert r.status_code == 400 and "at least one comment" in r.get_data(as_text=True)
    assert c.query(select(FeedbackReview)) == []  # nothing half-saved
    r = c.post(
        "alice",
        f"/reviews/{alice_alloc.id}",
        {f"level-{cids[0]}": "1", "comment-" + str(cids[0]): "draft", "action": "draft"},
    )
    assert r.status_code == 303
    assert "draft" in c.get("alice", f"/reviews/{alice_alloc.id}").get_data(as_text=True)
    # late work when the policy refuses it
    configure(c, late_policy="refuse")
    r = c.post("eve", "/submit", {"body": "again"})
    assert r.status_code == 409 and error_code(r) == "DEADLINE_PASSED"


def test_roles_are_enforced(course):
    c = course
    configure(c)
    for who, path in (("alice", "/settings"), ("coach", "/settings"), ("alice", "/export.csv")):
        assert c.get(who, path).status_code == 403
    for who, path in (
        ("alice", "/phase"),
        ("coach", "/phase"),
        ("alice", "/scores"),
        ("prof", "/submit"),
    ):
        assert c.post(who, path).status_code == 403
    assert c.get("coach", "/export.csv").status_code == 200


def test_csrf_is_required(course):
    c = course
    r = c.client.post(c.base + "/submit", data={"launch_token": c.tokens["alice"], "body": "x"})
    assert r.status_code == 400 and error_code(r) == "CSRF_FAILED"


def test_another_course_cannot_reach_it(course, platform_key):
    from tests.builders import launch, launch_token_of

    other = launch_token_of(
        launch(
            course.client,
            platform_key,
            "facilitator",
            sub="other-prof",
            **{
                "https://purl.imsglobal.org/spec/lti/claim/context": {
                    "id": "course-2",
                    "title": "Other",
                }
            },
        )
    )
    course.tokens["other"] = other
    assert course.get("other").status_code == 404
    assert course.get("other", "/export.csv").status_code == 404
    assert course.post("other", "/phase").status_code == 404


def test_revision_plan_links_to_own_goals_only(course):
    from lti_tool.activities.services import ActivityConfig, create_activity
    from lti_tool.extensions import db
    from lti_tool.models import Activity, Goal, GoalVersion, PlacedBy
    from lti_tool.models.feedback import FeedbackRevisionPlan

    c = course
    configure(c)
    _submit_all(c)
    c.post("prof", "/phase")
    _review_all(c)
    c.post("prof", "/phase")
    with c.app.app_context():
        fr = db.session.get(Activity, c.activity_id)
        goals = create_activity(
            fr.context,
            ActivityConfig(kind="goal_setting", title="Goals"),
            created_by=None,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        ids = {}
        for name in ("Alice Anders", "Bob Brown"):
            goal = Goal(activity_id=goals.id, person_id=c.person_id(name))
            db.session.add(goal)
            db.session.flush()
            db.session.add(GoalVersion(goal_id=goal.id, number=1, what=f"Goal of {name}"))
            ids[name] = goal.id
        db.session.commit()
    page = c.get("alice").get_data(as_text=True)
    assert "Goal of Alice Anders" in page and "Goal of Bob Brown" not in page
    r = c.post("alice", "/plan", {"plan": "Plan", "goal_id": str(ids["Bob Brown"])})
    assert r.status_code == 404
    r = c.post("alice", "/plan", {"plan": "Plan", "goal_id": str(ids["Alice Anders"])})
    assert r.status_code == 303
    plan = c.query(select(FeedbackRevisionPlan))[0]
    assert plan.goal_ids == [ids["Alice Anders"]]


def test_groups_keep_reviews_outside_the_authors_group(course):
    c = course
    groups = "Team 1: Alice Anders, Bob Brown\nTeam 2: Cara Chen, Dev Dutta, Eve Evans"
    assert configure(c, allocation="groups", groups=groups).status_code == 303
    assert "Team 2: Cara Chen, Dev Dutta, Eve Evans" in c.get("prof", "/settings").get_data(
        as_text=True
    )
    assert configure(c, allocation="groups", groups="Team 3: Nobody Known").status_code == 400
    _submit_all(c)
    c.post("prof", "/phase")
    team = {c.person_id(n): ("1" if n.startswith(("Alice", "Bob")) else "2") for n in STUDENTS}
    from lti_tool.models.feedback import FeedbackSubmission as Sub

    subs = {s.id: s.person_id for s in c.query(select(Sub))}
    pairs = [(subs[a.submission_id], a.reviewer_id) for a in c.query(select(FeedbackAllocation))]
    assert len(pairs) == 2 * len(STUDENTS)
    assert all(team[a] != team[r] for a, r in pairs)


def test_settings_change_after_submissions_keeps_the_rubric(course):
    c = course
    configure(c)
    _submit_all(c)
    assert configure(c, k="3").status_code == 303  # same rubric text: allowed
    crlf = RUBRIC.replace("\n", "\r\n ") + "\r\n"
    assert configure(c, k="2", rubric=crlf).status_code == 303  # as a browser sends it
    r = configure(c, rubric="Other: a / b")
    assert r.status_code == 409
