"""Feedback rounds with LMS groups and sections: the group set an activity uses, the membership
frozen when a round is allocated, allocation outside the author's group or within their section,
and one submission per group whose work counts for every member.

A round keeps the groups it was allocated with (its snapshot): a group set that changes in the
LMS mid-round moves nobody's reviews, and the staff page says what changed since. Without a set
the facilitator's typed groups (FeedbackConfig.groups) stay the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lti_tool.activities.feedback import allocation
from lti_tool.activities.feedback.rules import FeedbackError
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import FeedbackConfig, FeedbackSubmission
from lti_tool.models.groups import FeedbackGroupConfig, FeedbackGroupSnapshot
from lti_tool.roster.groups import group_set_in, membership_of

Pair = tuple[int, int]


@dataclass(frozen=True)
class AllocationRules:
    """`groups`: nobody reviews their own group's work; `sections`: reviewers come from the
    author's own section (None: no section constraint)."""

    groups: Mapping[int, str | None] = field(default_factory=dict)
    sections: Mapping[int, str | None] | None = None
    teams: bool = False  # one submission per group: teammates review too


def group_config_of(activity: Activity) -> FeedbackGroupConfig:
    row = db.session.scalars(
        select(FeedbackGroupConfig).where(FeedbackGroupConfig.activity_id == activity.id)
    ).first()
    if row is None:
        row = FeedbackGroupConfig(activity_id=activity.id)
        db.session.add(row)
        db.session.flush()
    return row


def _submitted(activity: Activity) -> bool:
    count = db.session.scalar(
        select(func.count(FeedbackSubmission.id)).where(
            FeedbackSubmission.activity_id == activity.id
        )
    )
    return (count or 0) > 0


def set_group_options(
    activity: Activity,
    by: Person,
    *,
    group_set_id: int | None,
    group_submissions: bool,
    team_evaluation: bool,
    contribution_factor: bool,
    factor_min: float | None = None,
    factor_max: float | None = None,
) -> FeedbackGroupConfig:
    """Pick the LMS group set (None: typed groups) and the group work options."""
    row = group_config_of(activity)
    floor = row.factor_min if factor_min is None else factor_min
    ceiling = row.factor_max if factor_max is None else factor_max
    if not (0 < floor <= 1 <= ceiling <= 2):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("The contribution factor's floor is between 0 and 1, its ceiling between 1 and 2."),
        )
    kind = "groups"
    if group_set_id is not None:
        group_set = group_set_in(activity.context_id, group_set_id)
        if group_set is None:
            raise FeedbackError(
                "FEEDBACK_REFUSED", _l("That group set is not in this course."), 404
            )
        kind = group_set.kind
    if (group_submissions or team_evaluation) and (group_set_id is None or kind != "groups"):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Group submissions and team evaluation need a set of LMS groups (not sections)."),
        )
    if contribution_factor and not (team_evaluation and group_submissions):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("A contribution factor scales a group's work by team evaluation: switch both on."),
        )
    if group_submissions != row.group_submissions and _submitted(activity):
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Group submissions cannot be switched once work has been submitted."),
            409,
        )
    row.group_set_id = group_set_id
    row.group_submissions = group_submissions
    row.team_evaluation = team_evaluation
    row.contribution_factor = contribution_factor
    row.factor_min, row.factor_max = floor, ceiling
    record_event(
        by,
        "feedback.group_options_set",
        "activity",
        activity.id,
        activity=activity,
        group_set=group_set_id,
        group_submissions=group_submissions,
        team_evaluation=team_evaluation,
        contribution_factor=contribution_factor,
    )
    return row


def snapshot_of(activity: Activity, round_no: int) -> FeedbackGroupSnapshot | None:
    return db.session.scalars(
        select(FeedbackGroupSnapshot).where(
            FeedbackGroupSnapshot.activity_id == activity.id,
            FeedbackGroupSnapshot.round == round_no,
        )
    ).first()


def take_snapshot(activity: Activity, round_no: int) -> FeedbackGroupSnapshot | None:
    """The round's frozen membership, taken now if the round has none (None without a set)."""
    existing = snapshot_of(activity, round_no)
    if existing is not None:
        return existing
    gc = group_config_of(activity)
    group_set = group_set_in(activity.context_id, gc.group_set_id) if gc.group_set_id else None
    if group_set is None:
        return None
    row = FeedbackGroupSnapshot(
        activity_id=activity.id,
        round=round_no,
        group_set_id=group_set.id,
        kind=group_set.kind,
        members={str(k): v for k, v in membership_of(group_set).items()},
    )
    db.session.add(row)
    db.session.flush()
    return row


def live_membership(activity: Activity) -> dict[int, str]:
    gc = group_config_of(activity)
    group_set = group_set_in(activity.context_id, gc.group_set_id) if gc.group_set_id else None
    return membership_of(group_set) if group_set is not None else {}


def membership_for_round(activity: Activity, round_no: int) -> dict[int, str]:
    """Who is in which group for this round: its snapshot once allocated, the LMS until then."""
    snap = snapshot_of(activity, round_no)
    if snap is not None:
        return {int(k): v for k, v in snap.members.items()}
    return live_membership(activity)


@dataclass(frozen=True)
class Drift:
    """How the LMS groups differ now from a round's snapshot (person id, then, now)."""

    round: int
    moved: list[tuple[int, str | None, str | None]]


def drift(activity: Activity, round_no: int) -> Drift | None:
    snap = snapshot_of(activity, round_no)
    if snap is None:
        return None
    then = {int(k): v for k, v in snap.members.items()}
    now = live_membership(activity)
    moved = sorted(
        (pid, then.get(pid), now.get(pid))
        for pid in set(then) | set(now)
        if then.get(pid) != now.get(pid)
    )
    return Drift(round_no, moved) if moved else None


def rules_for_round(
    activity: Activity,
    config: FeedbackConfig,
    round_no: int,
    typed: Mapping[int, str | None],
) -> AllocationRules:
    """The allocation constraints of this round, freezing the LMS groups on first use."""
    gc = group_config_of(activity)
    if gc.group_set_id is None or config.allocation == "manual":
        return AllocationRules(groups=typed)
    snap = take_snapshot(activity, round_no)
    if snap is None:  # the set was removed from the course
        return AllocationRules(groups=typed)
    members: dict[int, str | None] = {int(k): v for k, v in snap.members.items()}
    if snap.kind == "sections":
        return AllocationRules(groups=typed, sections=members)
    return AllocationRules(groups=members, teams=gc.group_submissions)


def reviewers_for(
    activity: Activity, round_no: int, rules: AllocationRules, authors: Sequence[int]
) -> list[int]:
    """With one submission per group every member of a group that submitted reviews; otherwise
    the authors review each other."""
    if not rules.teams:
        return list(authors)
    author_groups = {rules.groups.get(a) for a in authors} - {None}
    members = membership_for_round(activity, round_no)
    return sorted(set(authors) | {p for p, g in members.items() if g in author_groups})


def _partitions(people: Sequence[int], sections: Mapping[int, str | None]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for person in people:
        # People the LMS put in no section are a section of their own.
        out.setdefault(sections.get(person) or "", []).append(person)
    return out


def allocate(
    authors: Sequence[int], reviewers: Sequence[int], k: int, seed: int, rules: AllocationRules
) -> list[Pair]:
    """allocation.allocate_reviewers, within each section when the rules say so."""
    if rules.sections is None:
        return allocation.allocate_reviewers(authors, reviewers, k, seed, rules.groups)
    pools = _partitions(reviewers, rules.sections)
    pairs: list[Pair] = []
    for section, members in sorted(_partitions(authors, rules.sections).items()):
        pairs += allocation.allocate_reviewers(
            members, pools.get(section, []), k, seed, rules.groups
        )
    return sorted(pairs)


def add_late(
    existing: Sequence[Pair],
    late: Sequence[int],
    reviewers: Sequence[int],
    k: int,
    seed: int,
    rules: AllocationRules,
) -> list[Pair]:
    """allocation.add_late_authors, from the late author's own section when the rules say so."""
    if rules.sections is None:
        return allocation.add_late_authors(existing, late, reviewers, k, seed, rules.groups)
    pools = _partitions(reviewers, rules.sections)
    pairs: list[Pair] = []
    for section, members in sorted(_partitions(late, rules.sections).items()):
        pool = pools.get(section, [])
        kept = [(a, r) for a, r in existing if r in pool]
        pairs += allocation.add_late_authors(kept, members, pool, k, seed, rules.groups)
    return pairs


# -- one submission per group ----------------------------------------------------------------


def group_submissions_on(activity: Activity) -> bool:
    gc = db.session.scalars(
        select(FeedbackGroupConfig).where(FeedbackGroupConfig.activity_id == activity.id)
    ).first()
    return gc is not None and gc.group_submissions and gc.group_set_id is not None


def teammates(activity: Activity, person_id: int, round_no: int) -> list[int]:
    """The person's group for this round, themself included (just them when in no group)."""
    members = membership_for_round(activity, round_no)
    group = members.get(person_id)
    if group is None:
        return [person_id]
    return sorted(p for p, g in members.items() if g == group)


def group_submission(
    activity: Activity, person_id: int, round_no: int
) -> FeedbackSubmission | None:
    """The group's one submission of this round, whoever of them submitted it."""
    return db.session.scalars(
        select(FeedbackSubmission)
        .where(
            FeedbackSubmission.activity_id == activity.id,
            FeedbackSubmission.round == round_no,
            FeedbackSubmission.person_id.in_(teammates(activity, person_id, round_no)),
        )
        .order_by(FeedbackSubmission.id)
    ).first()


def authors_of(activity: Activity, person_id: int, round_no: int) -> list[int]:
    """Whose submissions count as the person's own: their group's, with one per group."""
    if not group_submissions_on(activity):
        return [person_id]
    return teammates(activity, person_id, round_no)


def group_label(activity: Activity, person_id: int, round_no: int) -> str | None:
    return membership_for_round(activity, round_no).get(person_id)


def share_group_work(
    activity: Activity, latest: Mapping[int, FeedbackSubmission]
) -> dict[int, FeedbackSubmission]:
    """Each author's work to score, with every member of a group scored on their group's
    submission (the round's snapshot says who was in the group)."""
    out = dict(latest)
    if not group_submissions_on(activity):
        return out
    by_round: dict[int, dict[int, str]] = {}
    for sub in latest.values():
        members = by_round.setdefault(sub.round, membership_for_round(activity, sub.round))
        group = members.get(sub.person_id)
        if group is None:
            continue
        for person, g in members.items():
            if g == group:
                best = out.get(person)
                # A member's own later work never arises (one row per group and round), but a
                # later round's group work replaces an earlier round's.
                if best is None or (best.round, best.id) < (sub.round, sub.id):
                    out[person] = sub
    return out
