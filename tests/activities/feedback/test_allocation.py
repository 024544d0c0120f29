"""Allocation properties over random classes (hypothesis): no self- or same-group review,
every author gets k reviewers when enough exist, loads balanced, deterministic, late authors
added without moving anyone."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.activities.feedback.allocation import add_late_authors, allocate_reviewers, loads

classes = st.integers(min_value=0, max_value=60)
ks = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**31)


def _received(pairs):
    return Counter(a for a, _ in pairs)


@settings(max_examples=200, deadline=None)
@given(n=classes, k=ks, seed=seeds)
def test_no_self_review_everyone_gets_k_and_loads_balanced(n, k, seed):
    people = list(range(1, n + 1))
    pairs = allocate_reviewers(people, people, k, seed)
    assert all(a != r for a, r in pairs)
    assert len(set(pairs)) == len(pairs)
    received = _received(pairs)
    for author in people:
        assert received[author] == min(k, n - 1)
    counts = loads(pairs, people).values()
    if counts:
        assert max(counts) - min(counts) <= 1


@settings(max_examples=200, deadline=None)
@given(
    members=st.lists(st.integers(min_value=0, max_value=4), min_size=0, max_size=50),
    extra_reviewers=st.integers(min_value=0, max_value=5),
    k=ks,
    seed=seeds,
)
def test_groups_are_never_reviewed_from_inside(members, extra_reviewers, k, seed):
    people = list(range(1, len(members) + 1))
    groups = {p: f"g{g}" for p, g in zip(people, members, strict=True)}
    reviewers = people + [1000 + i for i in range(extra_reviewers)]
    pairs = allocate_reviewers(people, reviewers, k, seed, groups)
    assert all(a != r and groups.get(r) != groups[a] for a, r in pairs)
    received = _received(pairs)
    for author in people:
        eligible = [r for r in reviewers if r != author and groups.get(r) != groups[author]]
        assert received[author] == min(k, len(eligible))


@settings(max_examples=150, deadline=None)
@given(
    groups_count=st.integers(min_value=2, max_value=5),
    per_group=st.integers(min_value=2, max_value=10),
    k=st.integers(min_value=1, max_value=3),
    seed=seeds,
)
def test_equal_groups_stay_balanced(groups_count, per_group, k, seed):
    people = list(range(1, groups_count * per_group + 1))
    groups = {p: f"g{p % groups_count}" for p in people}
    pairs = allocate_reviewers(people, people, k, seed, groups)
    counts = loads(pairs, people).values()
    assert max(counts) - min(counts) <= 1
    assert all(groups[a] != groups[r] for a, r in pairs)


@settings(max_examples=100, deadline=None)
@given(n=classes, k=ks, seed=seeds)
def test_same_seed_same_allocation(n, k, seed):
    people = list(range(1, n + 1))
    assert allocate_reviewers(people, people, k, seed) == allocate_reviewers(
        list(reversed(people)), people, k, seed
    )


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=40),
    late=st.integers(min_value=1, max_value=8),
    k=ks,
    seed=seeds,
)
def test_late_authors_are_added_without_moving_others(n, late, k, seed):
    people = list(range(1, n + 1))
    first = allocate_reviewers(people, people, k, seed)
    late_people = list(range(n + 1, n + late + 1))
    added = add_late_authors(first, late_people, people, k, seed + 1)
    assert not set(added) & set(first)
    assert {a for a, _ in added} <= set(late_people)
    received = _received(added)
    for author in late_people:
        assert received[author] == min(k, n)
    assert all(a != r for a, r in added)
    counts = loads(first + added, people).values()
    assert max(counts) - min(counts) <= 1
