"""Who reviews whom: a pure, deterministic function of plain values and a seed.

Rules (issue 7): every author gets k reviewers (or every eligible one when fewer exist); nobody
reviews their own work or their group's; reviewer loads differ by at most one whenever the
constraints allow it; the same seed gives the same allocation; late authors are added without
moving anyone else's reviews.

Greedy least-loaded assignment in a seeded order, then augmenting-path repair: moving one review
along a chain of reviewers (h gives author a1 to r1, r1 gives a2 to r2, …) lowers the spread
without breaking a rule. Without groups a single move always exists, so the repair always ends
balanced there; with groups it stops when no chain exists.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

Pair = tuple[int, int]  # (author id, reviewer id)


def _eligible(author: int, reviewer: int, groups: Mapping[int, str | None]) -> bool:
    if author == reviewer:
        return False
    group = groups.get(author)
    return group is None or groups.get(reviewer) != group


def allocate_reviewers(
    authors: Sequence[int],
    reviewers: Sequence[int],
    k: int,
    seed: int,
    groups: Mapping[int, str | None] | None = None,
) -> list[Pair]:
    """(author, reviewer) pairs for `authors`, each reviewed by up to `k` of `reviewers`."""
    groups = groups or {}
    return _assign(sorted(set(authors)), sorted(set(reviewers)), k, seed, groups, [])


def add_late_authors(
    existing: Iterable[Pair],
    late_authors: Sequence[int],
    reviewers: Sequence[int],
    k: int,
    seed: int,
    groups: Mapping[int, str | None] | None = None,
) -> list[Pair]:
    """New pairs only, for authors who submitted after allocation; existing pairs never move.
    Late authors are reviewed by the least-loaded reviewers; they review nobody this round."""
    groups = groups or {}
    kept = list(existing)
    done = {a for a, _ in kept}
    late = sorted(set(late_authors) - done)
    return _assign(late, sorted(set(reviewers)), k, seed, groups, kept, repair=False)


def _assign(
    authors: list[int],
    reviewers: list[int],
    k: int,
    seed: int,
    groups: Mapping[int, str | None],
    existing: list[Pair],
    repair: bool = True,
) -> list[Pair]:
    rng = random.Random(seed)  # noqa: S311 - fairness, not secrecy
    rank = {r: i for i, r in enumerate(rng.sample(reviewers, len(reviewers)))}
    load = {r: 0 for r in reviewers}
    for _, r in existing:
        if r in load:
            load[r] += 1
    by_author: dict[int, set[int]] = {a: set() for a in authors}
    order = rng.sample(authors, len(authors))
    # A heap of (load, rank, reviewer): the least-loaded eligible reviewers come first, ties
    # broken by the seeded rank; skipped (ineligible) reviewers go back unchanged.
    heap = [(load[r], rank[r], r) for r in reviewers]
    heapq.heapify(heap)
    for author in order:
        chosen: list[int] = []
        skipped: list[tuple[int, int, int]] = []
        while heap and len(chosen) < k:
            entry = heapq.heappop(heap)
            if _eligible(author, entry[2], groups):
                chosen.append(entry[2])
            else:
                skipped.append(entry)
        for reviewer in chosen:
            by_author[author].add(reviewer)
            load[reviewer] += 1
            heapq.heappush(heap, (load[reviewer], rank[reviewer], reviewer))
        for entry in skipped:
            heapq.heappush(heap, entry)
    if repair and reviewers:
        _rebalance(by_author, load, groups, rank)
    return sorted((a, r) for a, rs in by_author.items() for r in rs)


def _rebalance(
    by_author: dict[int, set[int]],
    load: dict[int, int],
    groups: Mapping[int, str | None],
    rank: Mapping[int, int],
) -> None:
    reviewing: dict[int, set[int]] = {r: set() for r in load}
    for a, rs in by_author.items():
        for r in rs:
            reviewing[r].add(a)
    while True:
        top, bottom = max(load.values()), min(load.values())
        if top - bottom <= 1:
            return
        path = _chain(reviewing, by_author, load, groups, rank, top)
        if path is None:
            return
        for giver, author, taker in path:
            reviewing[giver].discard(author)
            by_author[author].discard(giver)
            reviewing[taker].add(author)
            by_author[author].add(taker)
        load[path[0][0]] -= 1
        load[path[-1][2]] += 1


def _chain(
    reviewing: dict[int, set[int]],
    by_author: dict[int, set[int]],
    load: dict[int, int],
    groups: Mapping[int, str | None],
    rank: Mapping[int, int],
    top: int,
) -> list[tuple[int, int, int]] | None:
    """A shortest chain of moves from a most-loaded reviewer to one loaded ≤ top − 2."""
    starts = sorted((r for r in load if load[r] == top), key=rank.__getitem__)
    came: dict[int, tuple[int, int] | None] = {r: None for r in starts}
    queue = deque(starts)
    reviewers = sorted(load, key=rank.__getitem__)
    while queue:
        giver = queue.popleft()
        for author in sorted(reviewing[giver]):
            for taker in reviewers:
                if taker in came or taker in by_author[author]:
                    continue
                if not _eligible(author, taker, groups):
                    continue
                came[taker] = (giver, author)
                if load[taker] <= top - 2:
                    path = []
                    node = taker
                    while came[node] is not None:
                        prev, via = came[node]  # type: ignore[misc]
                        path.append((prev, via, node))
                        node = prev
                    return path[::-1]
                queue.append(taker)
    return None


def loads(pairs: Iterable[Pair], reviewers: Iterable[int]) -> dict[int, int]:
    """How many reviews each reviewer has (zero for those with none)."""
    count = {r: 0 for r in reviewers}
    for _, r in pairs:
        count[r] = count.get(r, 0) + 1
    return count
