"""How far each reviewer can be trusted, and the weighted peer score: plain numbers, no database.

Every level is a fraction of the criterion's scale (0 = lowest level, 1 = highest), so the
figures mean the same whatever the rubric's number of levels.

An *observation* is one level a reviewer gave beside a *reference* for the same work and
criterion: the facilitator's level on a calibration exemplar, or the median of the other peers'
levels on a classmate's work (leave-one-out consensus). From a reviewer's observations:

    difference  d_i = own level − reference            (signed)
    bias        b   = mean(d_i)                        (> 0: generous, < 0: severe)
    consistency s   = population standard deviation of d_i   (None with fewer than 2)
    error       e   = sqrt(mean(d_i²))  = sqrt(b² + s²)  (root-mean-square difference)
    flat-lining: at least FLAT_MIN levels, all the same, while the references vary (the
                 reviewer gives one level to everything whatever the work)

The weighted method (the documented formula, shown to students):

    adjustment  â = b · n / (n + PRIOR_N)       (their usual bias, trusted more with more evidence)
    accuracy    a = 1 − min(1, s / ERROR_SCALE) (steadiness: a steady bias can be corrected,
                                                 noise cannot; s unknown → PRIOR)
    shrunk      a' = (n · a + PRIOR_N · PRIOR) / (n + PRIOR_N)
    weight      w = W_MIN + (W_MAX − W_MIN) · a'    (always in [W_MIN, W_MAX])
    flat-liner: w = W_MIN

    weighted level = Σ wᵢ · clamp(vᵢ − âᵢ, 0, 1) / Σ wᵢ, kept between the lowest and the
                     highest level the reviewers gave

So no weight is zero and none is more than W_MAX / W_MIN = 4 times another: with 3 reviewers,
no single reviewer carries more than 4 / 6 of a criterion. Every weight is positive, so the
denominator never is zero. A reviewer with no observation gets the prior's weight and no
adjustment. When every reviewer agrees exactly with the references, every adjustment is 0 and
every weight the same, and the weighted level is the plain mean. bench/reliability.py measures
it against the median and the trimmed mean in simulated classes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lti_tool.grading.feedback import weighted_mean

ERROR_SCALE = 0.5
W_MIN = 0.25
W_MAX = 1.0
PRIOR = 0.5  # the accuracy assumed before any evidence
PRIOR_N = 2.0  # worth this many observations
FLAT_MIN = 4


@dataclass(frozen=True)
class Observation:
    criterion: int
    value: float  # the reviewer's level, 0..1
    reference: float  # the facilitator's level (calibration) or the others' median, 0..1
    source: str = "peer"  # "peer" or "calibration"


@dataclass(frozen=True)
class Accuracy:
    """One reviewer's (or one reviewer's on one criterion) accuracy figures."""

    n: int
    bias: float | None
    consistency: float | None  # standard deviation of the differences
    error: float | None  # root-mean-square difference
    flat: bool
    weight: float
    adjustment: float  # the shrunk bias taken off this reviewer's levels (weighted method)

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "bias": self.bias,
            "consistency": self.consistency,
            "error": self.error,
            "flat": self.flat,
            "weight": self.weight,
            "adjustment": self.adjustment,
        }


def bias(differences: Sequence[float]) -> float | None:
    return sum(differences) / len(differences) if differences else None


def consistency(differences: Sequence[float]) -> float | None:
    """Population standard deviation of the differences (how steady the bias is)."""
    if len(differences) < 2:
        return None
    mean = sum(differences) / len(differences)
    return math.sqrt(max(0.0, sum((d - mean) ** 2 for d in differences) / len(differences)))


def rms_error(differences: Sequence[float]) -> float | None:
    if not differences:
        return None
    return math.sqrt(sum(d * d for d in differences) / len(differences))


def is_flat(observations: Sequence[Observation]) -> bool:
    if len(observations) < FLAT_MIN:
        return False
    values = {round(o.value, 9) for o in observations}
    references = {round(o.reference, 9) for o in observations}
    return len(values) == 1 and len(references) > 1


def weight_from(spread: float | None, n: int, flat: bool) -> float:
    """The weight from the spread of the differences (consistency) and how many there are."""
    if flat:
        return W_MIN
    accuracy = PRIOR if spread is None else 1 - min(1.0, spread / ERROR_SCALE)
    shrunk = (n * accuracy + PRIOR_N * PRIOR) / (n + PRIOR_N)
    return W_MIN + (W_MAX - W_MIN) * min(1.0, max(0.0, shrunk))


def accuracy_of(observations: Sequence[Observation]) -> Accuracy:
    differences = [o.value - o.reference for o in observations]
    n = len(differences)
    b, s = bias(differences), consistency(differences)
    flat = is_flat(observations)
    return Accuracy(
        n=n,
        bias=b,
        consistency=s,
        error=rms_error(differences),
        flat=flat,
        weight=weight_from(s, n, flat),
        adjustment=0.0 if b is None else b * n / (n + PRIOR_N),
    )


@dataclass
class ReviewerReport:
    """A reviewer's accuracy overall, per criterion and per source (calibration, peers)."""

    overall: Accuracy
    by_criterion: dict[int, Accuracy] = field(default_factory=dict)
    by_source: dict[str, Accuracy] = field(default_factory=dict)


def reviewer_report(observations: Sequence[Observation]) -> ReviewerReport:
    per_criterion: dict[int, list[Observation]] = defaultdict(list)
    per_source: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        per_criterion[o.criterion].append(o)
        per_source[o.source].append(o)
    return ReviewerReport(
        accuracy_of(observations),
        {c: accuracy_of(obs) for c, obs in sorted(per_criterion.items())},
        {s: accuracy_of(obs) for s, obs in sorted(per_source.items())},
    )


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


# peer levels of the class: (work, criterion) -> [(reviewer, level 0..1)]
PeerLevels = Mapping[tuple[int, int], Sequence[tuple[int, float]]]
# calibration: (reviewer, criterion, student level, facilitator level)
Calibration = Iterable[tuple[int, int, float, float]]


def observations_of(
    peers: PeerLevels, calibration: Calibration = ()
) -> dict[int, list[Observation]]:
    """Every reviewer's observations: against the facilitator on exemplars, and against the
    median of the other peers on the same work and criterion."""
    out: dict[int, list[Observation]] = defaultdict(list)
    for reviewer, criterion, value, reference in calibration:
        out[reviewer].append(Observation(criterion, value, reference, "calibration"))
    for (_, criterion), given in peers.items():
        for reviewer, value in given:
            others = [v for r, v in given if r != reviewer]
            if others:
                out[reviewer].append(Observation(criterion, value, median(others), "peer"))
    return out


Reports = dict[int, ReviewerReport]


def reviewer_weights(peers: PeerLevels, calibration: Calibration = ()) -> Reports:
    return {r: reviewer_report(obs) for r, obs in observations_of(peers, calibration).items()}


NO_EVIDENCE = accuracy_of([])


def accuracy_in(reports: Reports, reviewer: int) -> Accuracy:
    """The reviewer's overall accuracy; with no observation, the prior's weight and no
    adjustment."""
    report = reports.get(reviewer)
    return report.overall if report is not None else NO_EVIDENCE


def weighted_score(
    values: Sequence[float], weights: Sequence[float], adjustments: Sequence[float] = ()
) -> float | None:
    """Σ wᵢ·clamp(vᵢ − âᵢ) / Σ wᵢ kept within the levels given (the plain mean if no weight is
    positive); None with no values."""
    return weighted_mean(values, weights, adjustments)


def weight_shares(weights: Sequence[float]) -> list[float]:
    """Each weight as a share of the total (what the score page shows beside the weight)."""
    total = sum(w for w in weights if w > 0)
    if total <= 0:
        return [1 / len(weights)] * len(weights) if weights else []
    return [max(0.0, w) / total for w in weights]


# -- disagreement and the rubric's criteria -------------------------------------------------------


def spread_in_levels(levels: Sequence[int]) -> int:
    """Highest minus lowest level index given (0 with fewer than two)."""
    return max(levels) - min(levels) if len(levels) >= 2 else 0


def discrepant(levels_by_criterion: Mapping[int, Sequence[int]], threshold: int) -> list[int]:
    """The criteria on which the reviewers' levels spread by at least `threshold` levels (a
    threshold below 1 turns the queue off)."""
    if threshold < 1:
        return []
    return [c for c, lv in levels_by_criterion.items() if spread_in_levels(lv) >= threshold]


@dataclass(frozen=True)
class CriterionHealth:
    criterion: int
    agreement: float | None  # 1 − mean |level − others' median|
    calibration_error: float | None  # mean |student level − facilitator level| on exemplars
    helpfulness: float | None  # share of answered comments the author will act on
    flagged: bool
    reasons: tuple[str, ...]


AGREEMENT_FLOOR = 0.75
CALIBRATION_CEILING = 0.25
HELPFULNESS_FLOOR = 0.4
MIN_EVIDENCE = 3


def criterion_health(
    criterion: int,
    observations: Sequence[Observation],
    answers: Sequence[bool] = (),
) -> CriterionHealth:
    """Whether a criterion works: reviewers agree on it, students calibrate on it, its comments
    help. A figure needs MIN_EVIDENCE data points before it can flag the criterion."""
    peer = [abs(o.value - o.reference) for o in observations if o.source == "peer"]
    calib = [abs(o.value - o.reference) for o in observations if o.source == "calibration"]
    agreement = 1 - sum(peer) / len(peer) if peer else None
    calibration_error = sum(calib) / len(calib) if calib else None
    helpfulness = sum(answers) / len(answers) if answers else None
    reasons = []
    if agreement is not None and len(peer) >= MIN_EVIDENCE and agreement < AGREEMENT_FLOOR:
        reasons.append("reviewers disagree")
    if (
        calibration_error is not None
        and len(calib) >= MIN_EVIDENCE
        and calibration_error > CALIBRATION_CEILING
    ):
        reasons.append("far from the facilitator on exemplars")
    if helpfulness is not None and len(answers) >= MIN_EVIDENCE and helpfulness < HELPFULNESS_FLOOR:
        reasons.append("comments rarely acted on")
    return CriterionHealth(
        criterion, agreement, calibration_error, helpfulness, bool(reasons), tuple(reasons)
    )
