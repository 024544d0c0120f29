"""The feedback rounds score: plain numbers in, a score and how it was made out.

Per criterion, the peers' levels (as fractions of the criterion's top level) are aggregated by
the median, a trimmed mean (robust to one outlying reviewer) or a mean weighted by each
reviewer's consistency after taking out their usual bias (weights and adjustments from
activities.feedback.reliability: bounded, never zero, the result between the lowest and highest
level given), then combined with the self and
facilitator levels by the configured weights. A component with no data (no self review, no
facilitator review) drops out and the remaining weights are rescaled, so a missing review never
counts as zero. The reviewing component is the mean of completion (reviews submitted /
allocated), helpfulness received (1–5 mapped to 0–1) and agreement with the consensus
(1 − mean distance of the reviewer's levels from the other reviewers' aggregate). A comment
endorsed by a facilitator or coach counts in helpfulness as `endorsement_weight` top ratings.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MEDIAN = "median"
TRIMMED_MEAN = "trimmed_mean"
WEIGHTED = "weighted"
METHODS = (MEDIAN, TRIMMED_MEAN, WEIGHTED)


def weighted_mean(
    values: Sequence[float], weights: Sequence[float], adjustments: Sequence[float] = ()
) -> float | None:
    """Σ wᵢ·(vᵢ − aᵢ) / Σ wᵢ, each adjusted level kept in 0..1 and the result kept between the
    lowest and highest level given; the plain mean when the weights do not fit (so never a
    division by zero); None with no values."""
    if not values:
        return None
    if len(adjustments) != len(values):
        adjustments = [0.0] * len(values)
    adjusted = [min(1.0, max(0.0, v - a)) for v, a in zip(values, adjustments, strict=True)]
    pairs = [(v, w) for v, w in zip(adjusted, weights, strict=False) if w > 0 and math.isfinite(w)]
    total = sum(w for _, w in pairs)
    if len(weights) != len(values) or total <= 0:
        mean = sum(adjusted) / len(adjusted)
    else:
        mean = sum(v * w for v, w in pairs) / total
    return min(max(values), max(min(values), mean))


def aggregate(
    values: Sequence[float],
    method: str = MEDIAN,
    weights: Sequence[float] = (),
    adjustments: Sequence[float] = (),
) -> float | None:
    """Median; the mean after dropping the lowest and highest when there are 3 or more; or the
    mean weighted by `weights`, each level less its reviewer's `adjustment` (one per value)."""
    if not values:
        return None
    if method == WEIGHTED:
        return weighted_mean(values, weights, adjustments)
    if method == TRIMMED_MEAN:
        ordered = sorted(values)
        if len(ordered) >= 3:
            ordered = ordered[1:-1]
        return sum(ordered) / len(ordered)
    return float(statistics.median(values))


@dataclass(frozen=True)
class Weights:
    peer: float
    self_: float
    staff: float
    reviewing: float


@dataclass(frozen=True)
class CriterionInput:
    criterion_id: int
    weight: float
    peer: Sequence[float]  # fractions 0..1
    self_: float | None = None
    staff: float | None = None  # the mean when several staff reviewed
    peer_weights: Sequence[float] = ()  # one per peer level, for the weighted method
    peer_adjustments: Sequence[float] = ()  # each reviewer's estimated bias, ditto


@dataclass(frozen=True)
class ReviewingInput:
    allocated: int
    completed: int
    helpfulness: Sequence[int] = ()  # 1..5 ratings the author gave this reviewer's reviews
    distances: Sequence[float] = ()  # |own level − consensus| per criterion reviewed, 0..1
    endorsed: int = 0  # this reviewer's comments endorsed by a facilitator or coach
    endorsement_weight: float = 0.0  # each endorsement counts as this many top ratings


@dataclass
class Breakdown:
    criteria: dict[int, dict[str, float | int | None]] = field(default_factory=dict)
    work: float | None = None
    reviewing: float | None = None
    reviewing_parts: dict[str, float | None] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    total: float | None = None
    # Team-member evaluation's contribution factor on the group work (grading.team), if any.
    team: dict[str, object] | None = None
    # Weighted method: the work's peer reviewers, numbered as the student sees them.
    reviewer_weights: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            **({"team": self.team} if self.team is not None else {}),
            "criteria": {str(k): v for k, v in self.criteria.items()},
            "work": self.work,
            "reviewing": self.reviewing,
            "reviewing_parts": self.reviewing_parts,
            "weights": self.weights,
            "total": self.total,
            "reviewer_weights": self.reviewer_weights,
        }


def _weighted(parts: Mapping[str, tuple[float | None, float]]) -> float | None:
    present = {k: (v, w) for k, (v, w) in parts.items() if v is not None and w > 0}
    total_weight = sum(w for _, w in present.values())
    if total_weight <= 0:
        return None
    return sum(v * w for v, w in present.values()) / total_weight  # type: ignore[operator]


def criterion_score(
    item: CriterionInput, weights: Weights, method: str
) -> dict[str, float | int | None]:
    peer = aggregate(item.peer, method, item.peer_weights, item.peer_adjustments)
    spread = (max(item.peer) - min(item.peer)) if item.peer else None
    combined = _weighted(
        {
            "peer": (peer, weights.peer),
            "self": (item.self_, weights.self_),
            "staff": (item.staff, weights.staff),
        }
    )
    return {
        "reviewers": len(item.peer),
        "peer": peer,
        # Beside the weighted level, what equal weights would give (the plain mean).
        "unweighted": (sum(item.peer) / len(item.peer) if item.peer else None)
        if method == WEIGHTED
        else None,
        "spread": spread,
        "self": item.self_,
        "staff": item.staff,
        "score": combined,
    }


def reviewing_score(work: ReviewingInput) -> tuple[float | None, dict[str, float | None]]:
    completion = work.completed / work.allocated if work.allocated else None
    ratings = [(h - 1) / 4 for h in work.helpfulness]
    endorsed = work.endorsed * max(0.0, work.endorsement_weight)
    helpfulness = (
        (sum(ratings) + endorsed) / (len(ratings) + endorsed) if ratings or endorsed else None
    )
    agreement = 1 - sum(work.distances) / len(work.distances) if work.distances else None
    parts = {"completion": completion, "helpfulness": helpfulness, "agreement": agreement}
    present = [v for v in parts.values() if v is not None]
    return (sum(present) / len(present) if present else None), parts


def feedback_score(
    criteria: Sequence[CriterionInput],
    reviewing: ReviewingInput,
    weights: Weights,
    method: str = MEDIAN,
) -> Breakdown:
    """The score as a fraction 0..1 (None when there is nothing to score yet)."""
    out = Breakdown()
    scored: list[tuple[float, float]] = []
    for item in criteria:
        row = criterion_score(item, weights, method)
        out.criteria[item.criterion_id] = row
        if row["score"] is not None:
            scored.append((float(row["score"]), item.weight))
    total_weight = sum(w for _, w in scored)
    out.work = sum(v * w for v, w in scored) / total_weight if total_weight > 0 else None
    out.reviewing, out.reviewing_parts = reviewing_score(reviewing)
    if reviewing.endorsed:
        # For the score explanation only (the component above already counts them).
        out.reviewing_parts["endorsed"] = float(reviewing.endorsed)
        out.reviewing_parts["endorsement_weight"] = reviewing.endorsement_weight
    work_weight = weights.peer + weights.self_ + weights.staff
    out.weights = {
        "peer": weights.peer,
        "self": weights.self_,
        "staff": weights.staff,
        "reviewing": weights.reviewing,
    }
    out.total = _weighted(
        {"work": (out.work, work_weight), "reviewing": (out.reviewing, weights.reviewing)}
    )
    return out
