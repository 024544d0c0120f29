"""The feedback rounds score formula against hand-computed cases."""

from __future__ import annotations

import pytest

from lti_tool.grading.feedback import (
    CriterionInput,
    ReviewingInput,
    Weights,
    aggregate,
    feedback_score,
)

W = Weights(peer=0.6, self_=0.0, staff=0.2, reviewing=0.2)


def test_median_and_trimmed_mean():
    assert aggregate([0.0, 0.5, 1.0, 1.0]) == 0.75
    assert aggregate([0.0, 1.0, 1.0]) == 1.0
    # trimmed mean drops one lowest and one highest: (0.5 + 1.0) / 2
    assert aggregate([0.0, 0.5, 1.0, 1.0], "trimmed_mean") == 0.75
    assert aggregate([0.0, 0.25, 0.5, 1.0], "trimmed_mean") == pytest.approx(0.375)
    # with two reviewers nothing is trimmed
    assert aggregate([0.0, 1.0], "trimmed_mean") == 0.5
    assert aggregate([]) is None


def test_weights_combine_peer_and_staff_and_reviewing():
    # peer median 2/3, staff 1.0 -> criterion (0.6*2/3 + 0.2*1)/0.8 = 0.75
    out = feedback_score(
        [CriterionInput(1, 1.0, [1 / 3, 2 / 3, 1.0], staff=1.0)],
        ReviewingInput(allocated=2, completed=2, helpfulness=[5, 3], distances=[0.0, 0.5]),
        W,
    )
    assert out.criteria[1]["score"] == pytest.approx(0.75)
    assert out.criteria[1]["reviewers"] == 3
    assert out.criteria[1]["spread"] == pytest.approx(2 / 3)
    # reviewing: completion 1, helpfulness (4-1)/4 = .75, agreement 1 - .25 = .75 -> 5/6
    assert out.reviewing == pytest.approx(5 / 6)
    # total: work weight .8, reviewing .2 -> (.8*.75 + .2*5/6) / 1.0
    assert out.total == pytest.approx(0.8 * 0.75 + 0.2 * 5 / 6)


def test_missing_components_drop_out_instead_of_counting_zero():
    out = feedback_score(
        [CriterionInput(1, 1.0, [0.5]), CriterionInput(2, 3.0, [1.0])],
        ReviewingInput(allocated=0, completed=0),
        W,
    )
    # no staff review: criterion scores are the peer levels; weights 1 and 3
    assert out.work == pytest.approx((0.5 + 3 * 1.0) / 4)
    assert out.reviewing is None
    assert out.total == pytest.approx(out.work)


def test_no_reviews_means_no_score_from_work():
    out = feedback_score([CriterionInput(1, 1.0, [])], ReviewingInput(allocated=3, completed=0), W)
    assert out.work is None
    assert out.reviewing == 0.0 and out.total == 0.0


def test_self_weight():
    w = Weights(peer=0.5, self_=0.5, staff=0.0, reviewing=0.0)
    out = feedback_score([CriterionInput(1, 1.0, [1.0], self_=0.0)], ReviewingInput(0, 0), w)
    assert out.total == pytest.approx(0.5)
