"""Feedback rounds under extensions (lti_tool.activities.extensions): its phase keys
("r<round>:submit", "r<round>:review"), typed groups as a group source, late reviewers
re-balanced into a round already allocated, and excused phases in the score's inputs.

Phase keys name the phase where the student acts: "submit" (their work) and "review" (their
reviews); "respond" and "revise" never close, so they need no extension.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from flask_babel import lazy_gettext as _l

from lti_tool.activities import extensions
from lti_tool.activities.feedback.configuration import config_of
from lti_tool.models import Activity
from lti_tool.models.feedback import FeedbackAllocation, FeedbackSubmission

TYPED = "typed:"
ACTING_PHASES = (("submit", _l("Submit")), ("review", _l("Review")))


def phase_key(round_no: int, phase: str) -> str:
    return f"r{round_no}:{phase}"


def _phases(activity: Activity) -> list[tuple[str, str]]:
    rounds = config_of(activity).rounds
    return [
        (phase_key(n, key), str(_l("Round %(round)d: %(phase)s", round=n, phase=label)))
        for n in range(1, rounds + 1)
        for key, label in ACTING_PHASES
    ]


def _typed_group_of(activity: Activity, person_id: int) -> list[str]:
    label = (config_of(activity).groups or {}).get(str(person_id))
    return [TYPED + label] if label else []


def _typed_group_of_everyone(activity: Activity) -> dict[int, list[str]]:
    groups = config_of(activity).groups or {}
    return {int(p): [TYPED + label] for p, label in groups.items() if label and p.isdigit()}


def _typed_groups(activity: Activity) -> list[tuple[str, str]]:
    labels = sorted(set((config_of(activity).groups or {}).values()))
    return [(TYPED + label, str(_l("Group: %(group)s", group=label))) for label in labels]


def register() -> None:
    extensions.register_extension_phases("feedback_rounds", _phases)
    extensions.register_group_source(
        "feedback_rounds", _typed_group_of, _typed_groups, everyone=_typed_group_of_everyone
    )


def submit_due(activity: Activity, person_id: int, round_no: int) -> date | None:
    """The person's own last day to submit this round, when extended."""
    return extensions.due_for(activity, person_id, phase_key(round_no, "submit"))


def may_review_late(activity: Activity, person_id: int, round_no: int, today: date) -> bool:
    """A reviewer with an extension of this round's review phase reviews until their day."""
    due = extensions.due_for(activity, person_id, phase_key(round_no, "review"))
    return due is not None and today <= due


def submitted_under_extension(activity: Activity, sub: FeedbackSubmission, today: date) -> bool:
    """Work that came in under an extension is reviewed until the round moves on, or until
    the author's own last day when that is later."""
    due = submit_due(activity, sub.person_id, sub.round)
    return due is not None and not sub.late


def late_reviewer_pairs(
    existing: Iterable[tuple[int, int]],
    reviewer: int,
    authors: Sequence[int],
    k: int,
    seed: int,
    groups: Mapping[int, str | None] | None = None,
) -> list[tuple[int, int]]:
    """New (author, reviewer) pairs giving a reviewer who joined after allocation up to `k`
    authors: those with the fewest reviewers first (seeded ties), never themself, their group,
    or an author they already review. Nobody else's reviews move."""
    groups = groups or {}
    pairs = list(existing)
    count = {a: 0 for a in authors}
    for a, _ in pairs:
        if a in count:
            count[a] += 1
    taken = {a for a, r in pairs if r == reviewer}
    group = groups.get(reviewer)
    rng = random.Random(seed * 7919 + reviewer)  # noqa: S311 - fairness, not secrecy
    order = rng.sample(sorted(count), len(count))
    eligible = [
        a
        for a in order
        if a != reviewer and a not in taken and (group is None or groups.get(a) != group)
    ]
    eligible.sort(key=count.__getitem__)  # stable: seeded order among equal counts
    return [(a, reviewer) for a in eligible[:k]]


def excused_reviewing(activity: Activity) -> dict[int, set[int]]:
    """Person id -> rounds whose reviewing they are excused from ("*": every round)."""
    rounds = config_of(activity).rounds
    out: dict[int, set[int]] = {}
    for person_id, phases in extensions.excused_phases(activity).items():
        for n in range(1, rounds + 1):
            if extensions.WHOLE_ACTIVITY in phases or phase_key(n, "review") in phases:
                out.setdefault(person_id, set()).add(n)
    return out


def excused_whole(activity: Activity) -> set[int]:
    """Students excused from the whole activity: they get no score at all."""
    return {
        p
        for p, phases in extensions.excused_phases(activity).items()
        if extensions.WHOLE_ACTIVITY in phases
    }


def drop_excused_reviewing(
    activity: Activity,
    allocations: Iterable[FeedbackAllocation],
    submitted: set[int],
    allocated: dict[int, int],
    completed: dict[int, int],
) -> None:
    """Take excused rounds' peer reviews out of each reviewer's completion counts, so an
    excused phase drops out of the reviewing component as a missing component does
    (grading.feedback: no data, weight rescaled). Reviews they did still count for the author
    reviewed. `submitted` holds the allocation ids whose review was submitted."""
    excused = excused_reviewing(activity)
    if not excused:
        return
    for alloc in allocations:
        if alloc.kind != "peer" or alloc.round not in excused.get(alloc.reviewer_id, ()):
            continue
        allocated[alloc.reviewer_id] -= 1
        if alloc.id in submitted:
            completed[alloc.reviewer_id] -= 1
