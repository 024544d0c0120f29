"""The contribution factor of team-member evaluation, hand-computed (grading.team)."""

from __future__ import annotations

import pytest

from lti_tool.grading import feedback as formula
from lti_tool.grading.team import adjusted_work, apply_factor, contribution_factors


def test_equal_ratings_give_everyone_one():
    f = contribution_factors({1: [0.5, 0.5], 2: [0.5], 3: [0.5]}, {1: "A", 2: "A", 3: "A"})
    assert {p: x.factor for p, x in f.items()} == {1: 1.0, 2: 1.0, 3: 1.0}


def test_factor_is_own_mean_over_team_mean_within_floor_and_ceiling():
    # A: means 0.9, 0.6, 0.3 -> team mean 0.6 -> 1.5 (ceiling 1.2), 1.0, 0.5 (floor 0.5).
    # B: means 0.8 and 0.4 -> team mean 0.6 -> 1.333.. (ceiling 1.4 here), 0.666..
    received = {1: [0.9], 2: [0.6], 3: [0.3], 4: [1.0, 0.6], 5: [0.4]}
    teams = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B"}
    f = contribution_factors(received, teams, floor=0.5, ceiling=1.2)
    assert f[1].factor == 1.2 and f[2].factor == pytest.approx(1.0) and f[3].factor == 0.5
    assert f[1].team_contribution == pytest.approx(0.6)
    g = contribution_factors(received, teams, floor=0.5, ceiling=1.4)
    assert g[4].factor == pytest.approx(0.8 / 0.6) and g[5].factor == pytest.approx(0.4 / 0.6)


def test_nobody_rated_or_all_zero_keeps_one():
    f = contribution_factors({1: [0.0], 2: [0.0]}, {1: "A", 2: "A", 3: "A"})
    assert {p: x.factor for p, x in f.items()} == {1: 1.0, 2: 1.0, 3: 1.0}
    assert f[3].contribution is None and f[3].raters == 0


def test_adjusted_work_never_exceeds_one():
    assert adjusted_work(0.9, 1.2) == 1.0
    assert adjusted_work(0.5, 1.2) == pytest.approx(0.6)
    assert adjusted_work(None, 1.2) is None


def test_the_total_is_recomputed_with_the_same_weights_and_explained():
    breakdown = formula.Breakdown(
        work=0.5,
        reviewing=1.0,
        weights={"peer": 0.6, "self": 0.0, "staff": 0.2, "reviewing": 0.2},
    )
    factor = contribution_factors({1: [0.9], 2: [0.3]}, {1: "A", 2: "A"})[1]  # 0.9/0.6 = 1.5
    out = apply_factor(breakdown, factor, floor=0.5, ceiling=1.2)
    # work 0.5 x 1.2 = 0.6; total (0.8 x 0.6 + 0.2 x 1.0) / 1.0 = 0.68
    assert out.work == pytest.approx(0.6) and out.total == pytest.approx(0.68)
    assert out.team is not None and out.team["group_work"] == 0.5
    assert out.team["explained"] == (
        "factor = your mean rating 0.90 ÷ team mean 0.60 = 1.50, kept between 0.5 and 1.2: 1.20;"
        " group work 0.50 × 1.20 = 0.60."
    )
    assert out.as_dict()["team"] == out.team
