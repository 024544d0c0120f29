"""Ballots and tallies.

A ballot is replaced whole. Correct under concurrency without in-process locks: each voter has
one `rubric_ballot` row (unique per activity and voter, created with INSERT … ON CONFLICT DO
NOTHING), which is locked FOR UPDATE on PostgreSQL before its votes are replaced, so one voter's
simultaneous changes run one after another and the budget is checked against the whole ballot.
Tallies are SUMs over the stored votes, never counters, so they always equal the final ballots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from lti_tool.activities.rubrics.services import (
    RubricError,
    _insert_ignoring_conflict,
    criteria_of,
    current_phase,
    phase_index,
    require_phase,
)
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Ballot, Criterion, Person, RubricSetup, Vote, VoteMode, utcnow

WEIGHT_TOTAL = 100


@dataclass(frozen=True)
class Tally:
    criterion_id: int
    title: str
    points: int
    voters: int
    selected: bool


def _locked_ballot(activity_id: int, voter_id: int) -> Ballot:
    db.session.execute(
        _insert_ignoring_conflict(Ballot).values(
            activity_id=activity_id, voter_id=voter_id, changes=0, updated_at=utcnow()
        )
    )
    query = select(Ballot).where(Ballot.activity_id == activity_id, Ballot.voter_id == voter_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def budget_of(setup: RubricSetup) -> int:
    return WEIGHT_TOTAL if setup.vote_mode == VoteMode.WEIGHTS else setup.dot_budget


def check_allocation(
    setup: RubricSetup, valid_ids: set[int], allocation: Mapping[int, int]
) -> dict[int, int]:
    chosen = {cid: pts for cid, pts in allocation.items() if pts}
    if any(cid not in valid_ids for cid in chosen):
        raise RubricError(
            "CRITERION_NOT_FOUND", _l("A vote names a criterion not in this activity."), 404
        )
    if any(pts < 0 for pts in chosen.values()):
        raise RubricError("NEGATIVE_VOTE", _l("Votes cannot be negative."))
    total, budget = sum(chosen.values()), budget_of(setup)
    if setup.vote_mode == VoteMode.WEIGHTS and total != WEIGHT_TOTAL:
        raise RubricError(
            "WEIGHTS_NOT_100",
            _l(
                "Spread exactly %(total)d points; your ballot has %(given)d.",
                total=WEIGHT_TOTAL,
                given=total,
            ),
        )
    if total > budget:
        raise RubricError(
            "OVER_BUDGET",
            _l("Your ballot uses %(used)d dots; you have %(budget)d.", used=total, budget=budget),
        )
    return chosen


def cast_ballot(
    activity: Activity, setup: RubricSetup, voter: Person, allocation: Mapping[int, int]
) -> Ballot:
    """Replace the voter's ballot with `allocation` (criterion id -> dots or weight)."""
    # A shared lock on the configuration row: a facilitator closing the vote (an UPDATE of that
    # row) waits for ballots in flight, and a ballot after the close sees the new phase.
    db.session.flush()  # a refresh would drop changes not written yet
    db.session.refresh(setup, with_for_update={"read": True})
    require_phase(activity, setup, "vote")
    # Only the criteria the ballot names: a class can propose thousands.
    valid = set(
        db.session.scalars(
            select(Criterion.id).where(
                Criterion.activity_id == activity.id, Criterion.id.in_(sorted(allocation))
            )
        )
    )
    chosen = check_allocation(setup, valid, allocation)
    ballot = _locked_ballot(activity.id, voter.id)
    db.session.execute(delete(Vote).where(Vote.ballot_id == ballot.id))
    for cid, pts in sorted(chosen.items()):
        db.session.add(Vote(ballot_id=ballot.id, criterion_id=cid, points=pts))
    ballot.changes += 1
    ballot.updated_at = utcnow()
    db.session.flush()
    record_event(
        voter,
        "rubric.voted",
        "rubric_ballot",
        ballot.id,
        activity=activity,
        allocation={str(k): v for k, v in chosen.items()},
    )
    return ballot


def ballot_of(activity: Activity, voter: Person) -> dict[int, int]:
    rows = db.session.execute(
        select(Vote.criterion_id, Vote.points)
        .join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.activity_id == activity.id, Ballot.voter_id == voter.id)
    )
    return {cid: pts for cid, pts in rows}


def voter_count(activity: Activity) -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(Ballot.voter_id)))
            .join(Vote, Vote.ballot_id == Ballot.id)
            .where(Ballot.activity_id == activity.id)
        )
        or 0
    )


def tallies(activity: Activity) -> list[Tally]:
    """Every criterion with its total and number of voters, highest first (ties: oldest first)."""
    sums = {
        cid: (int(total or 0), int(voters or 0))
        for cid, total, voters in db.session.execute(
            select(Vote.criterion_id, func.sum(Vote.points), func.count(Vote.id))
            .join(Ballot, Ballot.id == Vote.ballot_id)
            .where(Ballot.activity_id == activity.id)
            .group_by(Vote.criterion_id)
        )
    }
    rows = [
        Tally(c.id, c.title, *sums.get(c.id, (0, 0)), selected=c.selected)
        for c in criteria_of(activity)
    ]
    return sorted(rows, key=lambda t: (-t.points, t.criterion_id))


def tally_page(activity: Activity, offset: int, limit: int) -> tuple[list[Tally], int]:
    """One page of `tallies` (same order: the most points first, ties oldest first), summed
    in SQL, and how many criteria there are."""
    points = func.coalesce(func.sum(Vote.points), 0)
    rows = db.session.execute(
        select(
            Criterion.id,
            Criterion.title,
            points.label("points"),
            func.count(Vote.id),
            Criterion.selected,
            func.count().over().label("total"),
        )
        .outerjoin(Vote, Vote.criterion_id == Criterion.id)
        .where(Criterion.activity_id == activity.id)
        .group_by(Criterion.id, Criterion.title, Criterion.selected)
        .order_by(points.desc(), Criterion.id)
        .offset(offset)
        .limit(limit)
    ).all()
    if not rows and offset:  # past the last page: how many there are, for the page links
        total = db.session.scalar(
            select(func.count(Criterion.id)).where(Criterion.activity_id == activity.id)
        )
        return [], int(total or 0)
    page = [Tally(cid, title, int(p), int(n), bool(sel)) for cid, title, p, n, sel, _ in rows]
    return page, int(rows[0][-1]) if rows else 0


def tallies_visible(activity: Activity, setup: RubricSetup) -> bool:
    """Hidden while the vote is open, so early totals do not sway later voters."""
    return phase_index(current_phase(activity, setup)) > phase_index("vote")


def select_top_criteria(activity: Activity, setup: RubricSetup) -> None:
    """After the vote, the top `criteria_count` criteria (or all reaching the threshold) go on
    to level descriptions, unless a selection was already made (moving phases back and forth
    keeps the facilitator's choice)."""
    if any(c.selected for c in criteria_of(activity)):
        return
    ranked = tallies(activity)
    if setup.criteria_threshold is not None:
        chosen = [t for t in ranked if t.points >= setup.criteria_threshold]
    else:
        chosen = ranked[: setup.criteria_count]
    for tally in chosen:
        criterion = db.session.get(Criterion, tally.criterion_id)
        if criterion is not None:
            criterion.selected = True


def set_selection(activity: Activity, criterion_ids: set[int], by: Person) -> None:
    """The facilitator's explicit override of which criteria go on (logged)."""
    criteria = criteria_of(activity)
    if not criterion_ids <= {c.id for c in criteria}:
        raise RubricError(
            "CRITERION_NOT_FOUND", _l("That criterion is not part of this activity."), 404
        )
    for c in criteria:
        c.selected = c.id in criterion_ids
    record_event(
        by,
        "rubric.selection_set",
        "activity",
        activity.id,
        activity=activity,
        criterion_ids=sorted(criterion_ids),
    )


def vote_weights(activity: Activity) -> dict[int, float]:
    """Selected criteria's weights from the vote, in percent; equal when nobody voted for them."""
    chosen = [t for t in tallies(activity) if t.selected]
    total = sum(t.points for t in chosen)
    if not chosen:
        return {}
    if total == 0:
        return {t.criterion_id: round(100 / len(chosen), 2) for t in chosen}
    return {t.criterion_id: round(100 * t.points / total, 2) for t in chosen}
