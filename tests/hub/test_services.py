"""The hub's figures on the seeded course (tests/hub/builders.py), counted by hand."""

from __future__ import annotations

import pytest

from lti_tool.domain import NotFound
from lti_tool.hub import services
from lti_tool.hub.services import gini
from lti_tool.models import utcnow
from tests.hub.builders import seed_course


@pytest.fixture
def course(ctx, platform):
    return seed_course(platform.id)


def _hub(course, activity_id=None):
    scope = services.scope_of(course.context.platform_id, course.context.id, activity_id)
    return services.course_hub(scope, utcnow().date())


def test_activities_are_listed_with_kind_and_phase_in_words(course):
    lines = {a.title: a for a in _hub(course).activities}
    assert list(lines) == ["Essay rubric", "Term goals", "Essay rounds"]
    assert (lines["Essay rubric"].kind, lines["Essay rubric"].phase) == (
        "Rubric co-creation",
        "Vote",
    )
    assert (lines["Term goals"].kind, lines["Term goals"].phase) == ("Goal setting", "Draft goals")
    assert lines["Essay rounds"].phase == "Round 2 of 2: Review"
    assert lines["Essay rounds"].endpoint == "feedback.home"


def test_what_needs_attention_counts_each_wait(course):
    waits = {(w.key, w.activity_id): w.count for w in _hub(course).attention}
    assert waits == {
        ("goals_waiting", course.goals.id): 1,
        ("proposals_open", course.rubric.id): 2,
        ("contests_open", course.feedback.id): 1,
        ("staff_review_waiting", course.feedback.id): 1,  # s0's round 2 work
        ("discrepancy_queue", course.feedback.id): 1,  # levels 0 and 3 on one criterion
    }


def test_proposals_adopted(course):
    a = _hub(course).adoption
    assert (a.proposed, a.accepted, a.merged, a.declined, a.open) == (6, 1, 2, 1, 2)
    assert a.rate == 0.5


def test_feedback_response_and_follow_through(course):
    u = _hub(course).uptake
    # 4 comments on s0's round 1, 4 on s1's, 2 on s0's round 2 (s0's draft review not counted)
    assert (u.received, u.responded, u.will_act, u.wont_act) == (10, 5, 4, 1)
    # Plans link s0's two acts and one of s1's; only s0 handed in round 2.
    assert (u.in_plan, u.revised) == (3, 2)
    assert (u.response_rate, u.planned_rate, u.follow_through) == (0.5, 0.75, 0.5)


def test_goals_agreed_first_time_or_after_a_change(course):
    g = _hub(course).goals
    assert (g.agreed_first_time, g.agreed_after_change, g.change_pending, g.waiting) == (1, 1, 1, 1)
    assert g.first_time_rate == 0.5


def test_participation_spread(course):
    p = _hub(course).participation
    assert p.students == 10 and p.contributors == 8
    assert p.by_what == {
        "proposed": 5,
        "commented": 2,
        "voted": 2,
        "described": 0,
        "reviewed": 3,
        "responded": 2,
        "set_goal": 4,
        "checked_in": 1,
    }
    # s0 9, s1 8, s2 4, s3 3, s4 s5 s6 s8 one each, s7 s9 none
    assert p.totals == [9, 8, 4, 3, 1, 1, 1, 1, 0, 0]
    assert p.contributions == 28
    assert (p.top_group, p.top_share) == (1, 9 / 28)
    ranked = 3 * 1 + 4 * 1 + 5 * 1 + 6 * 1 + 7 * 3 + 8 * 4 + 9 * 8 + 10 * 9
    assert p.gini == pytest.approx(2 * ranked / (10 * 28) - 11 / 10)


def test_gini_of_equal_and_of_one_voice():
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 0, 6]) == pytest.approx(0.75)
    assert gini([]) is None and gini([0, 0]) is None


def test_staff_workload(course):
    loads = _hub(course).workload
    assert [(s.name, s.role, s.counts, s.total) for s in loads] == [
        (
            "Cory Coach",
            "coach",
            {"goal_responses": 3, "check_in_comments": 1, "endorsements": 1, "staff_reviews": 1},
            6,
        ),
        (
            "Pat Prof",
            "facilitator",
            {"goal_responses": 1, "check_in_comments": 0, "endorsements": 0, "staff_reviews": 0},
            1,
        ),
    ]


def test_one_activity_narrows_the_figures(course):
    hub = _hub(course, course.goals.id)
    assert hub.focus is not None and hub.focus.title == "Term goals"
    assert len(hub.activities) == 3  # the list stays the course's
    assert hub.adoption.proposed == 0 and hub.uptake.received == 0
    assert hub.goals.agreed == 2
    assert hub.participation.contributions == 5 + 2  # goals submitted and check-ins
    assert [w.key for w in hub.attention] == ["goals_waiting"]


def test_another_course_is_never_counted_nor_reachable(ctx, platform):
    mine = seed_course(platform.id, "mine")
    theirs = seed_course(platform.id, "theirs", students=12)
    hub = _hub(mine)
    assert {a.id for a in hub.activities} == {mine.rubric.id, mine.goals.id, mine.feedback.id}
    assert hub.participation.students == 10 and hub.adoption.proposed == 6
    with pytest.raises(NotFound):
        services.scope_of(platform.id, mine.context.id, theirs.goals.id)
    with pytest.raises(NotFound):  # the right course id on another platform reaches nothing
        services.scope_of(platform.id + 1, mine.context.id, mine.goals.id)


def test_an_empty_course_has_no_figures(ctx, platform):
    course = seed_course(platform.id, "bare", work=False)
    hub = _hub(course)
    assert hub.participation.students == 10 and hub.participation.contributions == 0
    assert hub.participation.gini is None and hub.participation.top_share is None
    assert hub.adoption.rate is None and hub.uptake.follow_through is None
    assert hub.attention == [] and [s.total for s in hub.workload] == [0, 0]


def test_csv_holds_the_figures_and_the_activities(course):
    body = services.export_csv(_hub(course))
    assert "proposals adopted,course,adopted share,0.500" in body
    assert "feedback uptake,,follow-through,0.500" in body
    assert "participation,,Gini coefficient,0.564" in body
    assert "workload (coach),Cory Coach,goal responses,3" in body
    assert f"{course.feedback.id},Essay rounds,Feedback rounds,Round 2 of 2: Review," in body
