"""Feedback rounds with LMS groups and sections, over HTTP with real signed launches: the group
set a facilitator picks, allocation outside the author's group and within the section, a round
that keeps its groups when the LMS changes them, one submission per group scored for every
member, team-member evaluation with its factor (hand-computed), and who may use each page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.lti import claims
from lti_tool.models import CourseGroupSet
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackCriterion,
    FeedbackScore,
    FeedbackSubmission,
)
from lti_tool.models.groups import FeedbackGroupSnapshot, TeamRating
from tests.activities.feedback.conftest import STUDENTS, configure, student_subs
from tests.builders import error_code, launch, launch_token_of
from tests.live import at_once, needs_postgres, serving

NAMES = {n.split()[0].lower(): n for n in STUDENTS}


def relaunch(c, platform_key, who: str, **custom: str) -> None:
    """The student opens Coproduce again from the LMS, which now sends these values."""
    response = launch(
        c.client, platform_key, "student", sub=who, name=NAMES[who], **{claims.CUSTOM: custom}
    )
    assert response.status_code == 303
    c.tokens[who] = launch_token_of(response)
    c.csrf.pop(who, None)


def moodle_groups(c, platform_key, groups: dict[str, str]) -> None:
    for who, ids in groups.items():
        relaunch(c, platform_key, who, coproduce_moodle_groups=ids)


def set_id(c, source: str) -> int:
    return c.query(select(CourseGroupSet.id).where(CourseGroupSet.source == source))[0]


def pick(c, source: str, **options: str):
    return c.post("prof", "/groups", {"group_set": str(set_id(c, source)), **options})


def pairs(c) -> list[tuple[int, int]]:
    rows = c.query(select(FeedbackAllocation).where(FeedbackAllocation.kind == "peer"))
    subs = {s.id: s.person_id for s in c.query(select(FeedbackSubmission))}
    return [(subs[a.submission_id], a.reviewer_id) for a in rows]


def pid(c, who: str) -> int:
    return c.person_id(NAMES[who])


def submit_all(c, subs=None):
    for who in subs or student_subs():
        r = c.post(who, "/submit", {"body": f"Essay by {who}"})
        assert r.status_code == 303, r.get_data(as_text=True)[:400]


def review_all(c):
    cids = [x.id for x in c.query(select(FeedbackCriterion).order_by(FeedbackCriterion.position))]
    for who in student_subs():
        mine = c.query(
            select(FeedbackAllocation).where(
                FeedbackAllocation.reviewer_id == pid(c, who), FeedbackAllocation.kind == "peer"
            )
        )
        for alloc in mine:
            # Argument (4 levels): "good" = 2/3; Evidence (3 levels): "adequate" = 1/2.
            data = {f"level-{cids[0]}": "2", f"level-{cids[1]}": "1"}
            data.update({f"comment-{cid}": f"Comment from {who}" for cid in cids})
            data.update(overall="Fine", action="submit")
            assert c.post(who, f"/reviews/{alloc.id}", data).status_code == 303


TEAMS = {"alice": "1", "bob": "1", "cara": "2", "dev": "2", "eve": "3"}


def test_allocation_stays_outside_the_lms_group_and_keeps_the_round(course, platform_key):
    c = course
    moodle_groups(c, platform_key, TEAMS)
    assert configure(c, k="2").status_code == 303
    assert pick(c, "moodle").status_code == 303
    submit_all(c)
    assert c.post("prof", "/phase").status_code == 303  # review: allocated
    group = {pid(c, w): g for w, g in TEAMS.items()}
    allocated = pairs(c)
    assert len(allocated) == 2 * len(STUDENTS)
    assert all(group[a] != group[r] for a, r in allocated)
    snapshot = c.query(select(FeedbackGroupSnapshot))[0]
    assert snapshot.round == 1 and snapshot.members[str(pid(c, "bob"))] == "Moodle group 1"
    # Mid-round the LMS moves Bob into Cara's group: the round keeps its allocation and says so.
    moodle_groups(c, platform_key, {"bob": "2"})
    assert sorted(pairs(c)) == sorted(allocated)
    page = c.get("prof", "/groups").get_data(as_text=True)
    assert 'data-testid="groups-drift"' in page and "(1 person moved)" in page
    assert 'data-testid="groups-drift"' in c.get("prof").get_data(as_text=True)
    assert c.query(select(FeedbackGroupSnapshot))[0].members == snapshot.members


def test_allocation_within_canvas_sections(course, platform_key):
    c = course
    sections = {"alice": "42", "bob": "42", "cara": "42", "dev": "43", "eve": "43"}
    names = {"42": '["Morning"]', "43": '["Evening"]'}
    for who, section in sections.items():
        relaunch(
            c,
            platform_key,
            who,
            coproduce_canvas_section_ids=section,
            coproduce_canvas_section_names=names[section],
        )
    assert configure(c, k="2").status_code == 303
    assert pick(c, "sections").status_code == 303
    submit_all(c)
    assert c.post("prof", "/phase").status_code == 303
    of = {pid(c, w): s for w, s in sections.items()}
    allocated = pairs(c)
    assert allocated and all(of[a] == of[r] for a, r in allocated)
    # Morning has three students: each reviewed by the other two; Evening by the one other.
    per_author: dict[int, int] = {}
    for a, _ in allocated:
        per_author[a] = per_author.get(a, 0) + 1
    assert per_author == {pid(c, w): (2 if sections[w] == "42" else 1) for w in sections}


def test_typed_groups_stay_the_fallback(course, platform_key):
    c = course
    groups = "Red: Alice Anders, Bob Brown\nBlue: Cara Chen, Dev Dutta"
    assert configure(c, k="2", allocation="groups", groups=groups).status_code == 303
    submit_all(c)
    assert c.post("prof", "/phase").status_code == 303
    typed = {pid(c, "alice"): "R", pid(c, "bob"): "R", pid(c, "cara"): "B", pid(c, "dev"): "B"}
    assert all(typed.get(a) is None or typed.get(a) != typed.get(r) for a, r in pairs(c))
    assert c.query(select(FeedbackGroupSnapshot)) == []  # no LMS set, nothing frozen


def _group_round(c, platform_key, *, team_evaluation: bool = False):
    moodle_groups(c, platform_key, {"alice": "1", "bob": "1", "cara": "1", "dev": "2", "eve": "2"})
    assert configure(c, k="2").status_code == 303
    options = {"group_submissions": "on"}
    if team_evaluation:
        options.update(team_evaluation="on", contribution_factor="on")
    assert pick(c, "moodle", **options).status_code == 303
    # One submission per group: Bob replaces Alice's version of their group's work.
    assert c.post("alice", "/submit", {"body": "Team A draft"}).status_code == 303
    assert c.post("bob", "/submit", {"body": "Team A final"}).status_code == 303
    assert c.post("dev", "/submit", {"body": "Team B work"}).status_code == 303
    subs = c.query(select(FeedbackSubmission))
    assert sorted(s.body for s in subs) == ["Team A final", "Team B work"]
    assert "Team A final" in c.get("cara").get_data(as_text=True)  # a teammate sees it
    assert c.post("prof", "/phase").status_code == 303  # review
    team = {pid(c, w): g for w, g in (("alice", 1), ("bob", 1), ("cara", 1), ("dev", 2))}
    team[pid(c, "eve")] = 2
    allocated = pairs(c)
    # Two authors (one per group), each reviewed by 2 people of the other group.
    assert len(allocated) == 4 and all(team[a] != team[r] for a, r in allocated)
    review_all(c)


def test_group_submission_scores_every_member(course, platform_key):
    c = course
    _group_round(c, platform_key)
    assert c.post("prof", "/phase").status_code == 303  # respond: scored
    scores = {s.person_id: s for s in c.query(select(FeedbackScore))}
    # Every member of both groups has a score; the work part is their group's:
    # Argument median 2/3, Evidence 1/2, equal weights -> 7/12.
    assert set(scores) == {pid(c, w) for w in student_subs()}
    for who in student_subs():
        assert scores[pid(c, who)].breakdown["work"] == pytest.approx(7 / 12)
    # ... and the total adds each member's own reviewing by the weights (0.8 work, 0.2 reviewing).
    for row in scores.values():
        b = row.breakdown
        expected = b["work"] if b["reviewing"] is None else 0.8 * b["work"] + 0.2 * b["reviewing"]
        assert row.computed == pytest.approx(expected)
    # Any member answers the reviews of the group's work (Alice's row holds it; Cara answers).
    from lti_tool.models.feedback import FeedbackComment, FeedbackReview

    alice_sub = c.query(
        select(FeedbackSubmission.id).where(FeedbackSubmission.person_id == pid(c, "alice"))
    )[0]
    review = next(
        r
        for r in c.query(select(FeedbackReview))
        if c.query(
            select(FeedbackAllocation.submission_id).where(FeedbackAllocation.id == r.allocation_id)
        )[0]
        == alice_sub
    )
    data = {"helpfulness": "5"}
    for cid in c.query(select(FeedbackComment.id).where(FeedbackComment.review_id == review.id)):
        data[f"response-{cid}"] = "act"
        data[f"reason-{cid}"] = ""
    assert c.post("cara", f"/reviews/{review.id}/respond", data).status_code == 303
    assert c.post("eve", f"/reviews/{review.id}/respond", data).status_code == 404


def test_team_evaluation_factor_hand_computed(course, platform_key):
    c = course
    _group_round(c, platform_key, team_evaluation=True)
    page = c.get("alice").get_data(as_text=True)
    assert 'data-testid="team-panel"' in page and "Bob Brown" in page
    form = c.get("alice", "/team").get_data(as_text=True)
    assert "Did their full share of the work, on time." in form  # behaviour anchors
    given = {  # levels 0..3 on each of the three criteria
        "alice": {"bob": 3, "cara": 1},
        "bob": {"alice": 2, "cara": 1},
        "cara": {"alice": 2, "bob": 3},
    }
    for rater, ratees in given.items():
        data = {
            f"rate-{pid(c, who)}-{key}": str(level)
            for who, level in ratees.items()
            for key in ("work", "communication", "reliability")
        }
        assert c.post(rater, "/team", data).status_code == 303
    assert len(c.query(select(TeamRating))) == 18
    assert c.post("prof", "/phase").status_code == 303  # respond: scored
    scores = {s.person_id: s.breakdown for s in c.query(select(FeedbackScore))}
    # Received means: Alice 2/3, Bob 1, Cara 1/3; team mean 2/3.
    # Factors: Alice 1; Bob 1.5 -> ceiling 1.2; Cara 0.5 (= the floor).
    # Work 7/12: Alice 7/12, Bob 7/12 x 1.2 = 0.7, Cara 7/24.
    expected = {"alice": (1.0, 7 / 12), "bob": (1.2, 0.7), "cara": (0.5, 7 / 24)}
    for who, (factor, work) in expected.items():
        b = scores[pid(c, who)]
        assert b["team"]["factor"] == pytest.approx(factor)
        assert b["team"]["group_work"] == pytest.approx(7 / 12)
        assert b["work"] == pytest.approx(work)
    assert (
        "1.00 ÷ team mean 0.67 = 1.50, kept between 0.5 and 1.2: 1.20"
        in (scores[pid(c, "bob")]["team"]["explained"])
    )
    # Dev and Eve rated nobody and were rated by nobody: factor 1, their group's work.
    assert scores[pid(c, "dev")]["team"]["factor"] == 1.0
    assert scores[pid(c, "dev")]["work"] == pytest.approx(7 / 12)
    # The student sees the formula with their numbers once the score is released.
    released = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert released.status_code == 303
    page = c.get("bob").get_data(as_text=True)
    assert 'data-testid="team-factor"' in page and "0.58 × 1.20 = 0.70" in page


def test_team_ratings_only_for_teammates(course, platform_key):
    c = course
    _group_round(c, platform_key, team_evaluation=True)
    r = c.post("alice", "/team", {f"rate-{pid(c, 'dev')}-work": "3"})
    assert r.status_code == 404 and error_code(r) == "FEEDBACK_REFUSED"
    r = c.post("alice", "/team", {f"rate-{pid(c, 'bob')}-work": "9"})
    assert r.status_code == 400
    assert c.query(select(TeamRating)) == []


def test_group_options_are_checked(course, platform_key):
    c = course
    moodle_groups(c, platform_key, {"alice": "1"})
    r = c.post("prof", "/groups", {"group_set": "", "group_submissions": "on"})
    assert r.status_code == 400
    r = c.post("prof", "/groups", {"group_set": "999999"})
    assert r.status_code == 404
    r = pick(c, "moodle", contribution_factor="on", team_evaluation="on")
    assert r.status_code == 400  # a factor scales a group's work: group submissions too
    for floor, ceiling in (("0", "1.2"), ("0.5", "0.9"), ("nan", "1.2"), ("x", "1")):
        r = pick(c, "moodle", factor_min=floor, factor_max=ceiling)
        assert r.status_code == 400, (floor, ceiling)
    assert pick(c, "moodle", factor_min="0.7", factor_max="1.5").status_code == 303
    page = c.get("prof", "/groups").get_data(as_text=True)
    assert 'value="0.7"' in page and 'value="1.5"' in page


def test_group_pages_by_role_and_csrf(course, platform_key):
    c = course
    moodle_groups(c, platform_key, {"alice": "1", "bob": "1"})
    assert c.get("prof", "/groups").status_code == 200
    for who in ("coach", "alice"):
        assert c.get(who, "/groups").status_code == 403
        assert c.post(who, "/groups", {"group_set": ""}).status_code == 403
        assert c.post(who, "/groups/refresh").status_code == 403
    assert c.get("prof", "/team").status_code == 403
    assert c.get("coach", "/team").status_code == 403
    # Without a groups service the refresh says why, as a 409 page.
    r = c.post("prof", "/groups/refresh")
    assert r.status_code == 409 and error_code(r) == "GROUPS_UNAVAILABLE"
    assert c.get("alice", "/team").status_code == 409  # team evaluation not switched on
    assert pick(c, "moodle", team_evaluation="on").status_code == 303
    assert c.get("alice", "/team").status_code == 200
    # CSRF: each write refused without the token, and nothing written.
    for who, path, data in (
        ("prof", "/groups", {"group_set": ""}),
        ("prof", "/groups/refresh", {}),
        ("alice", "/team", {f"rate-{pid(c, 'bob')}-work": "2"}),
    ):
        r = c.client.post(c.base + path, data={"launch_token": c.tokens[who], **data})
        assert r.status_code in (400, 403), (path, r.status_code)
    assert c.query(select(TeamRating)) == []
    assert c.query(select(CourseGroupSet.id))  # the pick above stands


@needs_postgres
def test_teammates_submitting_at_once_store_one_group_submission(course, platform_key):
    c = course
    moodle_groups(c, platform_key, {"alice": "1", "bob": "1", "cara": "1"})
    assert configure(c).status_code == 303
    assert pick(c, "moodle", group_submissions="on").status_code == 303
    forms = [
        {
            "launch_token": c.tokens[who],
            "csrf_token": c.csrf_of(who),
            "body": f"Team work by {who}",
            "form_key": f"{who}-{i}" + "g" * 20,
        }
        for i, who in enumerate(("alice", "bob", "cara", "alice", "bob", "cara"))
    ]
    with serving(c.app) as live:
        replies = at_once([lambda f=f: live.post(c.base + "/submit", f) for f in forms])
    statuses = [r.status for r in replies]
    assert 500 not in statuses, [r.body[:300] for r in replies if r.status == 500]
    assert all(s in (303, 409) for s in statuses), statuses
    assert len(c.query(select(FeedbackSubmission))) == 1
