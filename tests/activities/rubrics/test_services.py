"""Rubric co-creation rules: phases, proposals, merging and declining with credit, levels and
versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lti_tool.activities.rubrics import levels, services, versions, voting
from lti_tool.activities.rubrics.services import RubricError
from lti_tool.extensions import db
from lti_tool.models import Criterion, Event, Proposal, ProposalFate
from tests.activities.rubrics.conftest import make_course
from tests.activities.rubrics.helpers import criteria_by_vote, propose_three, published


def refused(code: str, fn, *args, **kwargs) -> RubricError:
    """The action is refused with `code`, and (like a view's one transaction) leaves nothing."""
    with pytest.raises(RubricError) as caught, db.session.begin_nested():
        fn(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_proposing_is_open_only_in_the_propose_phase(course):
    a = course.students[0]
    services.propose(course.activity, course.setup, a, "Clarity", "Easy to follow", "")
    course.move("discuss")
    refused("WRONG_PHASE", services.propose, course.activity, course.setup, a, "X", "Y", "")


def test_phase_dates_move_the_phase_forward_never_back(course):
    course.activity.phase_dates = {"vote": "2000-01-01"}
    assert services.current_phase(course.activity, course.setup) == "vote"
    course.setup.phase = "describe"
    assert services.current_phase(course.activity, course.setup) == "describe"
    course.activity.phase_dates = {"vote": "2999-01-01"}
    course.setup.phase = "propose"
    assert services.current_phase(course.activity, course.setup) == "propose"


@pytest.mark.parametrize(
    "title,description,code",
    [
        ("", "d", "TEXT_EMPTY"),
        ("   ", "d", "TEXT_EMPTY"),
        ("x" * 121, "d", "TEXT_TOO_LONG"),
        ("t", "d" * 1001, "TEXT_TOO_LONG"),
    ],
)
def test_text_limits(course, title, description, code):
    refused(
        code,
        services.propose,
        course.activity,
        course.setup,
        course.students[0],
        title,
        description,
        "",
    )
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_authors_edit_their_own_until_the_phase_ends(course):
    p1, _, _ = propose_three(course)
    a, b = course.students[:2]
    services.edit_proposal(course.activity, course.setup, p1.id, a, "Clarity!", "New", "Why")
    assert p1.title == "Clarity!"
    refused(
        "NOT_YOURS", services.edit_proposal, course.activity, course.setup, p1.id, b, "X", "Y", ""
    )
    course.move("discuss")
    refused(
        "WRONG_PHASE", services.edit_proposal, course.activity, course.setup, p1.id, a, "X", "Y", ""
    )


def test_merge_credits_every_author_and_decline_keeps_the_reason(course):
    merged, accepted = criteria_by_vote(course)
    proposals = services.proposals_of(course.activity)
    fates = {p.title: (p.fate, p.criterion_id) for p in proposals}
    assert fates["Clarity"] == (ProposalFate.MERGED, merged.id)
    assert fates["Clear writing"] == (ProposalFate.MERGED, merged.id)
    assert fates["Length"] == (ProposalFate.DECLINED, None)
    assert fates["Evidence"] == (ProposalFate.ACCEPTED, accepted.id)
    # Nothing a student wrote was changed.
    assert {p.description for p in proposals} >= {"Ideas are easy to follow", "Plain sentences"}
    log = {e.title: e for e in versions.change_log(course.activity)}
    assert log["Clear writing"].outcome == "merged into “Clarity”"
    assert log["Length"].outcome == "declined because: Length is not quality"
    assert log["Evidence"].outcome.startswith("accepted as-is")
    assert all(e.decided_by == "Pat Prof" for e in log.values())
    verbs = set(db.session.scalars(select(Event.verb)))
    assert {"rubric.merged", "rubric.declined", "rubric.accepted", "rubric.proposed"} <= verbs


def test_decisions_are_refused_when_already_taken_or_bad(course):
    p1, p2, p3 = propose_three(course)
    course.move("discuss")
    s, a, prof = course.setup, course.activity, course.prof
    refused("TEXT_EMPTY", services.decline_proposal, a, s, p3.id, "  ", prof)
    refused("MERGE_NEEDS_TWO", services.merge_proposals, a, s, [p1.id], "T", "D", prof)
    services.merge_proposals(a, s, [p1.id, p2.id], "Clarity", "D", prof)
    db.session.commit()
    # A second facilitator who loaded the page before the merge tries the same proposals.
    refused("ALREADY_DECIDED", services.merge_proposals, a, s, [p1.id, p3.id], "T", "D", prof)
    assert db.session.get(Proposal, p3.id).fate == ProposalFate.OPEN
    assert db.session.scalar(select(func.count(Criterion.id))) == 1
    refused("ALREADY_DECIDED", services.decline_proposal, a, s, p1.id, "no", prof)


def test_merging_across_activities_is_refused_and_saves_nothing(course, platform):
    other = make_course(platform.id, "course-2")
    theirs = services.propose(other.activity, other.setup, other.students[0], "T", "D", "")
    p1, _, _ = propose_three(course)
    course.move("discuss")
    refused(
        "PROPOSAL_NOT_FOUND",
        services.merge_proposals,
        course.activity,
        course.setup,
        [p1.id, theirs.id],
        "T",
        "D",
        course.prof,
    )
    assert db.session.scalar(select(func.count(Criterion.id))) == 0


def test_comments_only_while_proposing_or_discussing(course):
    p1, _, _ = propose_three(course)
    services.comment(course.activity, course.setup, p1.id, course.students[1], "Good idea")
    course.move("vote")
    refused(
        "WRONG_PHASE",
        services.comment,
        course.activity,
        course.setup,
        p1.id,
        course.students[1],
        "Late",
    )


def test_levels_need_a_selected_criterion_and_rising_points(course):
    merged, accepted = criteria_by_vote(course)
    course.setup.criteria_count = 1
    course.move("vote")
    voting.cast_ballot(course.activity, course.setup, course.students[0], {merged.id: 2})
    course.move("describe")
    assert merged.selected and not accepted.selected
    refused(
        "NOT_SELECTED",
        levels.draft_level,
        course.activity,
        course.setup,
        accepted.id,
        0,
        course.students[0],
        "L",
        "D",
    )
    refused(
        "BAD_LEVEL",
        levels.draft_level,
        course.activity,
        course.setup,
        merged.id,
        9,
        course.students[0],
        "L",
        "D",
    )
    draft = levels.draft_level(
        course.activity, course.setup, merged.id, 1, course.students[0], "Good", "Mostly clear"
    )
    levels.accept_level(
        course.activity,
        course.setup,
        merged.id,
        1,
        draft.id,
        "Good",
        "Mostly clear, edited",
        2,
        course.prof,
    )
    level = levels.levels_of(merged.id)[0]
    assert levels.is_edit(level) and level.draft.description == "Mostly clear"
    refused(
        "POINTS_NOT_INCREASING",
        levels.accept_level,
        course.activity,
        course.setup,
        merged.id,
        0,
        None,
        "Low",
        "Unclear",
        2,
        course.prof,
    )
    refused(
        "POINTS_NOT_INCREASING",
        levels.accept_level,
        course.activity,
        course.setup,
        merged.id,
        2,
        None,
        "High",
        "Clear",
        1.5,
        course.prof,
    )


def test_finalising_with_no_criteria_is_refused(course):
    course.move("finalise")
    refused(
        "NO_CRITERIA", versions.publish, course.activity, course.setup, course.prof, weights=None
    )


def test_finalising_needs_every_level(course):
    merged, _ = criteria_by_vote(course)
    course.move("vote")
    course.move("describe")
    course.move("finalise")
    refused(
        "LEVELS_MISSING", versions.publish, course.activity, course.setup, course.prof, weights=None
    )


def test_versions_are_numbered_with_a_diff(course):
    v1 = published(course)
    assert v1.number == 1
    weights = {c["title"]: c["weight"] for c in v1.content["criteria"]}
    assert weights == {"Clarity": 80.0, "Evidence": 20.0}
    refused(
        "NO_CHANGES", versions.publish, course.activity, course.setup, course.prof, weights=None
    )
    clarity = next(c for c in services.criteria_of(course.activity) if c.title == "Clarity")
    evidence = next(c for c in services.criteria_of(course.activity) if c.title == "Evidence")
    levels.accept_level(
        course.activity,
        course.setup,
        clarity.id,
        3,
        None,
        "Superb",
        "Crystal clear",
        5,
        course.prof,
    )
    v2 = versions.publish(
        course.activity,
        course.setup,
        course.prof,
        weights={clarity.id: 1, evidence.id: 1},
        note="Balanced",
    )
    assert v2.number == 2
    changes = versions.diff(v1.content, v2.content)
    assert "“Clarity”: weight 80% → 50%." in changes
    assert "“Clarity” level 4: title, description, points changed." in changes
    assert v1.content["criteria"][0]["levels"][3]["points"] == 4  # the old version is kept


def test_the_api_reads_finalised_rubrics_of_the_course_only(course, platform):
    from lti_tool.activities.rubrics.api import finalised_rubrics, rubric_version

    v1 = published(course)
    rubrics = finalised_rubrics(course.context.id)
    assert [(r.version_id, r.version, r.title) for r in rubrics] == [(v1.id, 1, "Essay rubric")]
    assert [c.title for c in rubrics[0].criteria] == ["Clarity", "Evidence"]
    assert [lv.points for lv in rubrics[0].criteria[0].levels] == [1, 2, 3, 4]
    assert rubric_version(v1.id, course.context.id) == rubrics[0]
    other = make_course(platform.id, "course-2")
    assert rubric_version(v1.id, other.context.id) is None
    assert finalised_rubrics(other.context.id) == []


def test_configuration_is_checked(course):
    values = services.SetupValues(
        anonymous=True,
        vote_mode="weights",
        dot_budget=5,
        criteria_count=3,
        criteria_threshold=None,
        level_points=(0, 1, 1),
        seed="",
        participation_scored=True,
    )
    refused(
        "POINTS_NOT_INCREASING",
        services.configure,
        course.activity,
        course.setup,
        values,
        course.prof,
    )
    ok = services.SetupValues(**{**values.__dict__, "level_points": (0, 1, 2)})
    services.configure(course.activity, course.setup, ok, course.prof)
    assert course.setup.anonymous and course.setup.level_points == [0, 1, 2]
