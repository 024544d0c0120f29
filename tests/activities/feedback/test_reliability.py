"""Reviewer accuracy and the weighted peer score (activities.feedback.reliability), against
hand-computed cases and as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.activities.feedback import reliability as rel
from lti_tool.activities.feedback.reliability import Observation
from lti_tool.grading.feedback import (
    CriterionInput,
    ReviewingInput,
    Weights,
    aggregate,
    feedback_score,
    weighted_mean,
)


def obs(*pairs: tuple[float, float], criterion: int = 1, source: str = "peer") -> list[Observation]:
    return [Observation(criterion, v, r, source) for v, r in pairs]


def test_bias_consistency_and_error_by_hand():
    # differences +0.25, +0.25, −0.25, +0.75 → bias 0.25
    d = [0.25, 0.25, -0.25, 0.75]
    assert rel.bias(d) == pytest.approx(0.25)
    # deviations 0, 0, −0.5, 0.5 → variance (0.25 + 0.25) / 4 = 0.125
    assert rel.consistency(d) == pytest.approx(math.sqrt(0.125))
    # mean of squares (1/16 + 1/16 + 1/16 + 9/16) / 4 = 0.1875 = bias² + variance
    assert rel.rms_error(d) == pytest.approx(math.sqrt(0.1875))
    assert rel.rms_error(d) ** 2 == pytest.approx(0.25**2 + 0.125)


def test_weight_by_hand():
    # error 0.25 → accuracy 1 − 0.25/0.5 = 0.5; shrunk (4·0.5 + 2·0.5)/6 = 0.5;
    # weight 0.25 + 0.75·0.5 = 0.625
    assert rel.weight_from(0.25, 4, False) == pytest.approx(0.625)
    # exact: accuracy 1; shrunk (4·1 + 2·0.5)/6 = 5/6; weight 0.25 + 0.75·5/6 = 0.875
    assert rel.weight_from(0.0, 4, False) == pytest.approx(0.875)
    # half the scale off or worse: accuracy 0, shrunk (0 + 1)/6, weight 0.25 + 0.125
    assert rel.weight_from(0.9, 4, False) == pytest.approx(0.375)
    # flat-liner: the floor, whatever the error
    assert rel.weight_from(0.0, 8, True) == rel.W_MIN


def test_edge_cases_never_divide_by_zero():
    # no observation: the prior's weight; no bias, no consistency
    none = rel.accuracy_of([])
    assert (none.n, none.bias, none.consistency, none.error) == (0, None, None, None)
    assert none.weight == pytest.approx(rel.W_MIN + (rel.W_MAX - rel.W_MIN) * rel.PRIOR)
    # one observation: a bias, but no consistency yet
    one = rel.accuracy_of(obs((0.5, 0.25)))
    assert one.bias == pytest.approx(0.25) and one.consistency is None
    # one reviewer on the work: the weighted score is their level
    assert rel.weighted_score([0.75], [0.3]) == 0.75
    # all identical levels: the weighted score is that level, whatever the weights
    assert rel.weighted_score([0.5, 0.5, 0.5], [1.0, 0.25, 0.6]) == 0.5
    # weights all zero or missing: the plain mean, not a ZeroDivisionError
    assert weighted_mean([0.0, 1.0], [0.0, 0.0]) == 0.5
    assert weighted_mean([0.0, 1.0], []) == 0.5
    assert weighted_mean([], []) is None
    assert rel.weight_shares([0.0, 0.0]) == [0.5, 0.5]
    # a single peer on a work is compared with no one
    assert rel.observations_of({(1, 1): [(7, 0.5)]}) == {}


def test_weighted_score_by_hand():
    # levels 1, 0.5, 0 with weights 1, 0.5, 0.25: (1 + 0.25 + 0) / 1.75
    assert rel.weighted_score([1.0, 0.5, 0.0], [1.0, 0.5, 0.25]) == pytest.approx(1.25 / 1.75)
    assert aggregate([1.0, 0.5, 0.0], "weighted", [1.0, 0.5, 0.25]) == pytest.approx(1.25 / 1.75)
    assert rel.weight_shares([1.0, 0.5, 0.5]) == [0.5, 0.25, 0.25]


def test_flat_lining_needs_varied_references():
    flat = obs((1.0, 0.25), (1.0, 0.5), (1.0, 0.75), (1.0, 1.0))
    assert rel.is_flat(flat)
    assert rel.accuracy_of(flat).weight == rel.W_MIN
    # the same level for work that really is all the same is accuracy, not flat-lining
    assert not rel.is_flat(obs((1.0, 1.0), (1.0, 1.0), (1.0, 1.0), (1.0, 1.0)))
    # too few levels to tell
    assert not rel.is_flat(flat[:3])


def test_observations_against_others_median_and_calibration():
    peers = {(10, 1): [(1, 1.0), (2, 0.5), (3, 0.0)]}
    out = rel.observations_of(peers, [(1, 1, 0.75, 0.5)])
    # reviewer 1: calibration +0.25; peer: others' median (0.5 + 0)/2 = 0.25
    assert out[1] == [
        Observation(1, 0.75, 0.5, "calibration"),
        Observation(1, 1.0, 0.25, "peer"),
    ]
    assert out[2] == [Observation(1, 0.5, 0.5, "peer")]
    report = rel.reviewer_report(out[1])
    assert report.by_source["calibration"].bias == pytest.approx(0.25)
    assert report.by_source["peer"].bias == pytest.approx(0.75)
    assert report.overall.bias == pytest.approx(0.5)


def test_discrepancy_and_criterion_health():
    assert rel.discrepant({1: [0, 2, 1], 2: [1, 1, 2]}, 2) == [1]
    assert rel.discrepant({1: [0, 3]}, 0) == []
    assert rel.spread_in_levels([3]) == 0
    # agreement 1 − mean(0.5, 0.5, 0.25) = 7/12 < 0.75: flagged
    h = rel.criterion_health(1, obs((1.0, 0.5), (0.0, 0.5), (0.75, 0.5)), [True, False])
    assert h.agreement == pytest.approx(7 / 12) and h.flagged
    assert h.reasons == ("reviewers disagree",)
    assert h.helpfulness == 0.5  # too few answers to flag on
    fine = rel.criterion_health(2, obs((0.5, 0.5), (0.5, 0.5), (0.75, 0.5)))
    assert not fine.flagged and fine.calibration_error is None


def test_endorsements_raise_helpfulness():
    w = Weights(0.6, 0.0, 0.2, 0.2)
    # ratings 3 and 3 → 0.5 each; two endorsements at weight 1 count as two top ratings:
    # (0.5 + 0.5 + 2) / 4 = 0.75
    out = feedback_score(
        [],
        ReviewingInput(2, 2, [3, 3], endorsed=2, endorsement_weight=1.0),
        w,
    )
    assert out.reviewing_parts["helpfulness"] == pytest.approx(0.75)
    assert out.reviewing_parts["endorsed"] == 2
    # weight 0: endorsements change nothing
    zero = feedback_score([], ReviewingInput(2, 2, [3, 3], endorsed=2), w)
    assert zero.reviewing_parts["helpfulness"] == pytest.approx(0.5)


def test_weighted_breakdown_shows_the_unweighted_mean():
    out = feedback_score(
        [CriterionInput(1, 1.0, [1.0, 0.5, 0.0], peer_weights=[1.0, 0.5, 0.25])],
        ReviewingInput(0, 0),
        Weights(1.0, 0.0, 0.0, 0.0),
        "weighted",
    )
    assert out.criteria[1]["peer"] == pytest.approx(1.25 / 1.75)
    assert out.criteria[1]["unweighted"] == pytest.approx(0.5)


# -- properties ----------------------------------------------------------------------------------

fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
levels = st.lists(fraction, min_size=1, max_size=8)


@given(st.lists(st.tuples(fraction, fraction, st.integers(1, 4)), max_size=30))
@settings(max_examples=200, deadline=None)
def test_weights_are_bounded(pairs):
    o = [Observation(c, v, r) for v, r, c in pairs]
    report = rel.reviewer_report(o)
    for acc in [report.overall, *report.by_criterion.values()]:
        assert rel.W_MIN <= acc.weight <= rel.W_MAX
        if acc.consistency is not None:
            assert acc.consistency >= 0


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_weighted_score_lies_between_the_lowest_and_highest_level(data):
    values = data.draw(levels)
    weights = data.draw(
        st.lists(
            st.floats(min_value=rel.W_MIN, max_value=rel.W_MAX),
            min_size=len(values),
            max_size=len(values),
        )
    )
    score = rel.weighted_score(values, weights)
    assert score is not None
    assert min(values) <= score <= max(values)


@given(st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=5), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_a_perfectly_calibrated_class_gives_the_mean(works):
    """Every reviewer matches the facilitator on every exemplar and the peers agree: every
    weight is the same, so the weighted level is the plain mean."""
    calibration = [(r, 1, lv / 4, lv / 4) for r in range(5) for lv in (0, 2, 4)]
    peers = {(w, 1): [(r, level / 4) for r in range(5)] for w, level in enumerate(works[0])}
    reports = rel.reviewer_weights(peers, calibration)
    weights = {r: rep.overall.weight for r, rep in reports.items()}
    assert len(set(weights.values())) == 1
    for given_levels in works:
        values = [lv / 4 for lv in given_levels]
        w = [weights[r] for r in range(len(values))]
        assert rel.weighted_score(values, w) == pytest.approx(sum(values) / len(values))


def test_bias_adjustment_by_hand():
    # a steady +0.25 over 4 observations: bias 0.25, consistency 0, adjustment 0.25·4/6
    acc = rel.accuracy_of(obs((0.75, 0.5), (0.5, 0.25), (1.0, 0.75), (0.25, 0.0)))
    assert acc.bias == pytest.approx(0.25) and acc.consistency == pytest.approx(0.0)
    assert acc.adjustment == pytest.approx(0.25 * 4 / 6)
    # steady: weight 0.25 + 0.75·(4·1 + 2·0.5)/6 = 0.875
    assert acc.weight == pytest.approx(0.875)
    # levels 1.0 (adjust 0.5 → 0.5) and 0.25 (adjust 0): (0.5·1 + 0.25·1) / 2 = 0.375
    assert rel.weighted_score([1.0, 0.25], [1.0, 1.0], [0.5, 0.0]) == pytest.approx(0.375)
    # adjusted below the lowest level given: kept at the lowest (0.5 − 0.5 → 0 → 0.5)
    assert rel.weighted_score([0.5, 0.5], [1.0, 1.0], [0.5, 0.5]) == 0.5


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_adjusted_weighted_score_stays_within_the_levels(data):
    values = data.draw(levels)
    n = len(values)
    weights = data.draw(st.lists(st.floats(rel.W_MIN, rel.W_MAX), min_size=n, max_size=n))
    adjust = data.draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n))
    score = rel.weighted_score(values, weights, adjust)
    assert score is not None and min(values) <= score <= max(values)
