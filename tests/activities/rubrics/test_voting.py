"""Ballots within the budget, changeable until the vote closes; tallies equal the ballots."""

from __future__ import annotations

import pytest

from lti_tool.activities.rubrics import voting
from lti_tool.activities.rubrics.services import RubricError
from lti_tool.extensions import db
from lti_tool.models import Vote
from tests.activities.rubrics.helpers import criteria_by_vote


@pytest.fixture
def voting_open(course):
    merged, accepted = criteria_by_vote(course)
    course.move("vote")
    db.session.commit()
    return course, merged, accepted


def refused(code, fn, *args):
    with pytest.raises(RubricError) as caught, db.session.begin_nested():
        fn(*args)
    assert caught.value.code == code, caught.value.message


def test_dots_within_the_budget_and_ballots_replace(voting_open):
    course, merged, accepted = voting_open
    a, b, _ = course.students
    voting.cast_ballot(course.activity, course.setup, a, {merged.id: 5})
    refused(
        "OVER_BUDGET",
        voting.cast_ballot,
        course.activity,
        course.setup,
        a,
        {merged.id: 3, accepted.id: 3},
    )
    assert voting.ballot_of(course.activity, a) == {merged.id: 5}
    voting.cast_ballot(course.activity, course.setup, a, {merged.id: 1, accepted.id: 4})
    voting.cast_ballot(course.activity, course.setup, b, {accepted.id: 2})
    assert voting.ballot_of(course.activity, a) == {merged.id: 1, accepted.id: 4}
    assert db.session.query(Vote).count() == 3
    assert not voting.tallies_visible(course.activity, course.setup)
    course.move("describe")
    assert voting.tallies_visible(course.activity, course.setup)
    tallies = {t.title: (t.points, t.voters) for t in voting.tallies(course.activity)}
    assert tallies == {"Evidence": (6, 2), "Clarity": (1, 1)}


def test_bad_ballots_are_refused(voting_open, platform):
    from tests.activities.rubrics.conftest import make_course

    course, merged, _ = voting_open
    a = course.students[0]
    refused("NEGATIVE_VOTE", voting.cast_ballot, course.activity, course.setup, a, {merged.id: -1})
    other = make_course(platform.id, "course-2")
    from lti_tool.models import Criterion

    theirs = Criterion(activity_id=other.activity.id, title="T", description="")
    db.session.add(theirs)
    db.session.flush()
    refused(
        "CRITERION_NOT_FOUND", voting.cast_ballot, course.activity, course.setup, a, {theirs.id: 1}
    )
    course.move("describe")
    refused("WRONG_PHASE", voting.cast_ballot, course.activity, course.setup, a, {merged.id: 1})
    assert voting.ballot_of(course.activity, a) == {}


def test_weights_spread_exactly_one_hundred(voting_open):
    course, merged, accepted = voting_open
    course.setup.vote_mode = "weights"
    a = course.students[0]
    refused(
        "WEIGHTS_NOT_100",
        voting.cast_ballot,
        course.activity,
        course.setup,
        a,
        {merged.id: 60, accepted.id: 30},
    )
    voting.cast_ballot(course.activity, course.setup, a, {merged.id: 70, accepted.id: 30})
    assert voting.ballot_of(course.activity, a) == {merged.id: 70, accepted.id: 30}


def test_a_threshold_selects_every_criterion_reaching_it(voting_open):
    course, merged, accepted = voting_open
    course.setup.criteria_threshold = 3
    voting.cast_ballot(course.activity, course.setup, course.students[0], {merged.id: 3})
    voting.cast_ballot(course.activity, course.setup, course.students[1], {accepted.id: 2})
    course.move("describe")
    assert merged.selected and not accepted.selected


def test_the_count_selects_the_top_of_the_vote(voting_open):
    course, merged, accepted = voting_open
    course.setup.criteria_count = 1
    voting.cast_ballot(course.activity, course.setup, course.students[0], {accepted.id: 1})
    course.move("describe")
    assert accepted.selected and not merged.selected
