"""grading/goals.py: the score rule, as plain values."""

from __future__ import annotations

import pytest

from lti_tool.grading.goals import GoalStanding, ScoreRule, completed_stages, explain, goal_score

RULE = ScoreRule("completion", 12, 2, 2, {"agree": 1, "check_in": 2, "reflect": 1}, 4)
AGREED = GoalStanding(agreed=True, check_ins=2, reflected=False)


def test_nothing_done_is_no_score_not_zero():
    assert goal_score(RULE, []) is None
    assert goal_score(RULE, [GoalStanding(False, 0, False)]) is None


def test_each_stage_needs_the_minimum_number_of_goals():
    assert completed_stages(RULE, [AGREED]) == []
    assert completed_stages(RULE, [AGREED, AGREED]) == ["agree", "check_in"]
    assert goal_score(RULE, [AGREED, AGREED]) == 9
    short = GoalStanding(agreed=True, check_ins=1, reflected=False)
    assert goal_score(RULE, [AGREED, short]) == 3
    done = GoalStanding(agreed=True, check_ins=2, reflected=True)
    assert goal_score(RULE, [done, done]) == 12


def test_judgement_is_the_mean_level_over_the_scale():
    rule = ScoreRule("judgement", 10, 1, 2, {}, 4)
    assert goal_score(rule, [AGREED]) is None
    judged = [GoalStanding(True, 0, False, 4), GoalStanding(True, 0, False, 2)]
    assert goal_score(rule, judged) == pytest.approx(7.5)
    assert "scale of 0 to 4" in explain(rule)


def test_the_rule_is_explained_in_points():
    assert "check-ins per goal 6" in explain(RULE)
    assert goal_score(ScoreRule("completion", 0, 1, 1, {"agree": 1}, 4), [AGREED]) is None
