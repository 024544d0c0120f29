"""Fifty voters casting and changing ballots at once (PostgreSQL: set TEST_DATABASE_URL). The
tallies must equal the sum of the final ballots and no ballot may exceed the budget, including
when one voter's changes race each other from two requests."""

from __future__ import annotations

import os
import random
import threading

import pytest
from sqlalchemy import func, select

from lti_tool.activities.rubrics import services, versions, voting
from lti_tool.extensions import db
from lti_tool.models import Activity, Ballot, Criterion, Person, Vote
from tests.activities.rubrics.conftest import make_course

VOTERS = 50
CHANGES = 4

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def test_fifty_voters_at_once(app, platform):
    with app.app_context():
        course = make_course(platform.id, students=VOTERS, points=0)
        for i in range(5):
            db.session.add(Criterion(activity_id=course.activity.id, title=f"C{i}", description=""))
        services.setup_of(course.activity).phase = "vote"
        db.session.commit()
        activity_id = course.activity.id
        voter_ids = [p.id for p in course.students]
        criterion_ids = [c.id for c in services.criteria_of(course.activity)]
        budget = course.setup.dot_budget

    last: dict[int, dict[int, int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(VOTERS * 2)

    def voter(voter_id: int, seed: int) -> None:
        rnd = random.Random(seed)  # noqa: S311  (test data)
        try:
            start.wait()
            with app.app_context():
                for _ in range(CHANGES):
                    allocation: dict[int, int] = {}
                    for _dot in range(rnd.randint(1, budget)):
                        cid = rnd.choice(criterion_ids)
                        allocation[cid] = allocation.get(cid, 0) + 1
                    activity = db.session.get(Activity, activity_id)
                    person = db.session.get(Person, voter_id)
                    setup = services.setup_of(activity)
                    voting.cast_ballot(activity, setup, person, allocation)
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    # Two threads per voter: the same person changing their ballot from two tabs at once.
    threads = [
        threading.Thread(target=voter, args=(vid, seed))
        for vid in voter_ids
        for seed in (vid, vid + 10_000)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]

    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        for vid in voter_ids:
            person = db.session.get(Person, vid)
            last[vid] = voting.ballot_of(activity, person)
            assert 1 <= sum(last[vid].values()) <= budget, (vid, last[vid])
        ballots = db.session.scalar(
            select(func.count(Ballot.id)).where(Ballot.activity_id == activity_id)
        )
        assert ballots == VOTERS
        assert db.session.scalar(select(func.sum(Ballot.changes))) == VOTERS * 2 * CHANGES
        expected: dict[int, int] = {}
        for ballot in last.values():
            for cid, pts in ballot.items():
                expected[cid] = expected.get(cid, 0) + pts
        totals = {t.criterion_id: t.points for t in voting.tallies(activity) if t.points}
        assert totals == expected
        assert db.session.scalar(select(func.sum(Vote.points))) == sum(expected.values())


def test_two_facilitators_merging_the_same_proposals_at_once(app, platform):
    with app.app_context():
        course = make_course(platform.id, students=3, points=0)
        setup = services.setup_of(course.activity)
        made = [
            services.propose(course.activity, setup, s, f"P{i}", "D", "")
            for i, s in enumerate(course.students)
        ]
        setup.phase = "discuss"
        db.session.commit()
        activity_id, prof_id = course.activity.id, course.prof.id
        proposal_ids = [p.id for p in made]

    outcomes: list[str] = []
    start = threading.Barrier(8)

    def facilitator(pair: list[int]) -> None:
        start.wait()
        with app.app_context():
            activity = db.session.get(Activity, activity_id)
            try:
                services.merge_proposals(
                    activity,
                    services.setup_of(activity),
                    pair,
                    "Merged",
                    "D",
                    db.session.get(Person, prof_id),
                )
                db.session.commit()
                outcomes.append("merged")
            except services.RubricError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            db.session.remove()

    pairs = [proposal_ids[:2], proposal_ids[1:]] * 4
    threads = [threading.Thread(target=facilitator, args=(pair,)) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ALREADY_DECIDED"] * 7 + ["merged"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Criterion.id))) == 1
        crit = db.session.scalars(select(Criterion.id)).one()
        from lti_tool.models import Proposal

        merged = db.session.scalars(select(Proposal).where(Proposal.criterion_id == crit)).all()
        assert len(merged) == 2 and all(p.fate == "merged" for p in merged)


def test_two_facilitators_publishing_at_once_make_one_version(app, platform):
    from tests.activities.rubrics.helpers import criteria_by_vote, describe

    with app.app_context():
        course = make_course(platform.id, students=3, points=0)
        merged, accepted = criteria_by_vote(course)
        course.move("vote")
        course.move("describe")
        describe(course, merged)
        describe(course, accepted)
        course.move("finalise")
        db.session.commit()
        activity_id, prof_id = course.activity.id, course.prof.id

    outcomes: list[str] = []
    start = threading.Barrier(6)

    def facilitator() -> None:
        start.wait()
        with app.app_context():
            activity = db.session.get(Activity, activity_id)
            try:
                versions.publish(
                    activity,
                    services.setup_of(activity),
                    db.session.get(Person, prof_id),
                    weights=None,
                )
                db.session.commit()
                outcomes.append("published")
            except services.RubricError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            db.session.remove()

    threads = [threading.Thread(target=facilitator) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("published") == 1, outcomes
    assert set(outcomes) <= {"published", "PUBLISHED_MEANWHILE", "NO_CHANGES"}
    with app.app_context():
        from lti_tool.models import RubricVersion

        numbers = list(db.session.scalars(select(RubricVersion.number)))
        assert numbers == [1]
