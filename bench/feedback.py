"""Reviewer allocation at class scale, in one run (nothing asserted, figures printed):

    .venv/bin/python bench/feedback.py [--students 2000] [--k 3] [--rounds 5]

Reviewer allocation (the pure function) for `--students` students with k reviewers each:
median of `--rounds` runs with min and max, and the check that it kept its rules (no
self-review, k each, loads within one).

The facilitator's progress page is measured with the other class pages, against the same
user's start page, at 100, 1,000 and 5,000 students: bench/class_pages.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def bench_allocation(students: int, k: int, rounds: int) -> tuple[list[float], str]:
    from lti_tool.activities.feedback.allocation import allocate_reviewers, loads

    people = list(range(1, students + 1))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        pairs = allocate_reviewers(people, people, k, seed=7)
        times.append(time.perf_counter() - started)
    received = Counter(a for a, _ in pairs)
    counts = loads(pairs, people).values()
    rules = (
        f"self-reviews {sum(a == r for a, r in pairs)}, "
        f"each reviewed {min(received.values())}..{max(received.values())} times, "
        f"loads {min(counts)}..{max(counts)}"
    )
    return times, rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times, rules = bench_allocation(args.students, args.k, max(args.rounds, 5))
    ms = [t * 1000 for t in times]
    print(f"Reviewer allocation, {args.students} students, k = {args.k}, {len(ms)} runs:")
    print(f"  median {statistics.median(ms):.1f} ms [{min(ms):.1f}-{max(ms):.1f}]; {rules}")
    print("The progress page: bench/class_pages.py (against /start, at 100, 1,000, 5,000).")


if __name__ == "__main__":
    main()
