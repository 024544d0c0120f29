"""Peer scores against the truth in simulated classes: median, trimmed mean and the weighted
method (activities.feedback.reliability), over many seeds. Pure arithmetic: no app, no database.

    .venv/bin/python bench/reliability.py [--seeds 200] [--students 40] [--flat 0.10]

The class (stated so the figures can be argued with):
  - `--students` students, 4 criteria of 5 levels (0..4). Each student's work has a true level
    per criterion: round(N(2.4, 1.0)) clamped to 0..4 (what the facilitator would give). The true
    score is the mean of the true levels as a fraction of the top level.
  - Each student reviews k classmates (k = 3, 4 and 5 in turn; a balanced ring over a random
    order, so every work gets k reviews). A reviewer has a bias b ~ N(0, 0.6) levels and a noise
    σ ~ Uniform(0.3, 1.3) levels, both fixed for the class; the level given is
    round(true + b + N(0, σ)) clamped to 0..4.
  - A share `--flat` of reviewers are flat-liners: they give one level (3 or 4) to everything.
  - Calibration: 3 exemplars with true levels drawn like the work; every student assesses them
    once (same bias, noise or flat line) before reviewing, and the facilitator's levels are
    the truth. The weighted method uses those and the other peers' median (leave-one-out).
Printed per k and over all: mean absolute error in percentage points of the score, the share
of students within 5 and 10 points (Kulkarni et al. 2013 report 42.9 % and 65.5 % within 5 %
and 10 % of the staff grade for median peer grades before their rubric revision), and the ratio
of the weighted method's error to the median's (target: at most 0.8). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from lti_tool.activities.feedback import reliability  # noqa: E402
from lti_tool.grading.feedback import MEDIAN, TRIMMED_MEAN, WEIGHTED, aggregate  # noqa: E402

CRITERIA = 4
TOP = 4
EXEMPLARS = 3
METHODS = (MEDIAN, TRIMMED_MEAN, WEIGHTED)


def _level(rng: random.Random, mean: float, sd: float) -> int:
    return max(0, min(TOP, round(rng.gauss(mean, sd))))


class Reviewer:
    def __init__(self, rng: random.Random, flat_share: float) -> None:
        self.flat = rng.choice((3, 4)) if rng.random() < flat_share else None
        self.bias = rng.gauss(0, 0.6)
        self.noise = rng.uniform(0.3, 1.3)

    def rate(self, rng: random.Random, true_level: int) -> int:
        if self.flat is not None:
            return self.flat
        return _level(rng, true_level + self.bias, self.noise)


def simulate(seed: int, students: int, k: int, flat_share: float) -> dict[str, list[float]]:
    """Absolute errors (percentage points) of each method for each student of one class."""
    rng = random.Random(seed * 1000 + k)
    truth = [[_level(rng, 2.4, 1.0) for _ in range(CRITERIA)] for _ in range(students)]
    reviewers = [Reviewer(rng, flat_share) for _ in range(students)]
    exemplars = [[_level(rng, 2.4, 1.0) for _ in range(CRITERIA)] for _ in range(EXEMPLARS)]
    calibration = [
        (r, c, reviewers[r].rate(rng, ex[c]) / TOP, ex[c] / TOP)
        for r in range(students)
        for ex in exemplars
        for c in range(CRITERIA)
    ]
    order = list(range(students))
    rng.shuffle(order)
    peers: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    for pos, reviewer in enumerate(order):
        for step in range(1, k + 1):
            author = order[(pos + step) % students]
            for c in range(CRITERIA):
                peers[(author, c)].append(
                    (reviewer, reviewers[reviewer].rate(rng, truth[author][c]) / TOP)
                )
    reports = reliability.reviewer_weights(peers, calibration)
    weights = {r: rep.overall.weight for r, rep in reports.items()}
    adjust = {r: rep.overall.adjustment for r, rep in reports.items()}
    errors: dict[str, list[float]] = {m: [] for m in METHODS}
    for author in range(students):
        true_score = sum(truth[author]) / (CRITERIA * TOP)
        for method in METHODS:
            parts = []
            for c in range(CRITERIA):
                given = peers[(author, c)]
                value = aggregate(
                    [v for _, v in given],
                    method,
                    [weights[r] for r, _ in given],
                    [adjust[r] for r, _ in given],
                )
                assert value is not None
                parts.append(value)
            errors[method].append(abs(sum(parts) / CRITERIA - true_score) * 100)
    return errors


def summary(errors: list[float]) -> str:
    n = len(errors)
    within5 = sum(e <= 5 for e in errors) / n
    within10 = sum(e <= 10 for e in errors) / n
    return f"{sum(errors) / n:5.2f} pts  {within5:6.1%}  {within10:6.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--flat", type=float, default=0.10)
    args = parser.parse_args()
    print(
        f"{args.seeds} seeds x {args.students} students, {CRITERIA} criteria of {TOP + 1} levels, "
        f"bias N(0, 0.6), noise U(0.3, 1.3) levels, {args.flat:.0%} flat-liners, "
        f"{EXEMPLARS} calibration exemplars"
    )
    print("Kulkarni et al. 2013 (median peer grade): 42.9 % within 5 %, 65.5 % within 10 %")
    overall: dict[str, list[float]] = {m: [] for m in METHODS}
    for k in (3, 4, 5):
        per_k: dict[str, list[float]] = {m: [] for m in METHODS}
        for seed in range(args.seeds):
            for method, errs in simulate(seed, args.students, k, args.flat).items():
                per_k[method] += errs
        print(f"\nk = {k}            mean error  within 5  within 10")
        for method in METHODS:
            print(f"  {method:<14} {summary(per_k[method])}")
            overall[method] += per_k[method]
        ratio = sum(per_k[WEIGHTED]) / sum(per_k[MEDIAN])
        print(f"  weighted / median error: {ratio:.2f}")
    ratio = sum(overall[WEIGHTED]) / sum(overall[MEDIAN])
    print(f"\nall k: weighted / median error = {ratio:.2f} (target <= 0.80)")
    for method in METHODS:
        print(f"  {method:<14} {summary(overall[method])}")


if __name__ == "__main__":
    main()
