"""Goal setting rules at the service level: every rule of issue 5, without HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from lti_tool.activities.goals import progress, services
from lti_tool.activities.goals.config import GoalConfig, GoalRuleError, save_config, settings_of
from lti_tool.activities.goals.progress import CheckInText
from lti_tool.activities.goals.services import GoalText
from lti_tool.activities.rubrics.api import CriterionView, RubricView
from lti_tool.extensions import db
from lti_tool.models import Event, GoalStatus, GoalVersion, OutboxScore, Platform
from tests.activities.goals.builders import SMART, TODAY, make_course

CHECK = CheckInText(progress=40, confidence=3, evidence="Drafted the method section")


@pytest.fixture
def course(course):
    """Past "Draft goals" (where goals are only written and sent): most rules here are about
    agreeing, checking in and reflecting, which open after it (services.NOT_WHILE_DRAFTING)."""
    settings_of(course.activity).phase = "check_in"
    return course


def agreed_goal(course, who="alice"):
    scope, me = course.scope(), course.people[who]
    goal = services.save_draft(scope, me, SMART)
    services.submit(scope, me, goal)
    services.respond(scope, course.people["prof"], goal, "agree", "")
    return goal


def test_a_draft_is_saved_and_edited_in_place_until_submitted(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, GoalText(what="Read more"))
    services.save_draft(scope, alice, replace(SMART, what="Read two papers a week"), goal=goal)
    assert goal.status == GoalStatus.DRAFT and len(goal.versions) == 1
    assert goal.versions[0].what == "Read two papers a week"


@pytest.mark.parametrize(
    "text,message",
    [
        (GoalText(what="   "), "cannot be empty"),
        (GoalText(what="x" * 301), "under 300"),
        (replace(SMART, plan="p" * 2001), "under 2000"),
    ],
)
def test_empty_or_over_long_fields_are_refused(course, text, message):
    with pytest.raises(GoalRuleError, match=message) as refused:
        services.save_draft(course.scope(), course.people["alice"], text)
    assert refused.value.status == 400


def test_submission_needs_every_smart_part(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, GoalText(what="Read more"))
    with pytest.raises(GoalRuleError, match="how it will be measured, the plan"):
        services.submit(scope, alice, goal)
    assert goal.status == GoalStatus.DRAFT


def test_a_second_submission_while_one_is_pending_is_refused(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, SMART)
    services.submit(scope, alice, goal)
    with pytest.raises(GoalRuleError, match="already waiting"):
        services.submit(scope, alice, goal)
    with pytest.raises(GoalRuleError, match="waiting for agreement"):
        services.save_draft(scope, alice, SMART, goal=goal)


def test_at_most_the_configured_number_of_goals(course):
    scope, alice = course.scope(), course.people["alice"]
    save_config(course.activity, GoalConfig(min_goals=1, max_goals=1))
    services.save_draft(scope, alice, SMART)
    with pytest.raises(GoalRuleError, match="at most 1"):
        services.save_draft(scope, alice, SMART)


def test_a_student_sees_and_changes_only_their_own_goals(course):
    scope, alice, bob = course.scope(), course.people["alice"], course.people["bob"]
    goal = services.save_draft(scope, alice, SMART)
    with pytest.raises(GoalRuleError) as seen:
        services.goal_for(scope, goal.id, bob)
    assert seen.value.status == 403
    for act in (
        lambda: services.save_draft(scope, bob, SMART, goal=goal),
        lambda: services.submit(scope, bob, goal),
    ):
        with pytest.raises(GoalRuleError) as refused:
            act()
        assert refused.value.status == 403
    assert services.goal_for(scope, goal.id, course.people["coach"]) is goal


def test_staff_of_another_course_do_not_find_the_goal(course):
    goal = services.save_draft(course.scope(), course.people["alice"], SMART)
    platform = db.session.get(Platform, course.activity.context.platform_id)
    other = make_course(platform, "course-2", students=("carol",))
    with pytest.raises(GoalRuleError) as refused:
        services.goal_for(other.scope(), goal.id, other.people["prof"])
    assert refused.value.status == 404


def test_only_students_write_goals(course):
    with pytest.raises(GoalRuleError) as refused:
        services.save_draft(course.scope(), course.people["prof"], SMART)
    assert refused.value.status == 403


def test_suggesting_a_change_needs_a_comment_and_revising_keeps_every_version(course):
    scope, alice, coach = course.scope(), course.people["alice"], course.people["coach"]
    goal = services.save_draft(scope, alice, SMART)
    services.submit(scope, alice, goal)
    with pytest.raises(GoalRuleError, match="cannot be empty"):
        services.respond(scope, coach, goal, "suggest", " ")
    services.respond(scope, coach, goal, "suggest", "Make the measure a number")
    assert goal.status == GoalStatus.CHANGES
    services.save_draft(scope, alice, replace(SMART, measure="Score 3 of 4 or more"), goal=goal)
    services.submit(scope, alice, goal)
    versions = db.session.scalars(
        select(GoalVersion).where(GoalVersion.goal_id == goal.id).order_by(GoalVersion.number)
    ).all()
    assert [(v.number, v.measure) for v in versions] == [
        (1, SMART.measure),
        (2, "Score 3 of 4 or more"),
    ]
    assert all(v.submitted_at for v in versions) and goal.status == GoalStatus.PENDING


def test_who_may_agree_follows_the_configuration(course):
    scope, alice = course.scope(), course.people["alice"]
    save_config(course.activity, GoalConfig(agreed_by="facilitator"))
    goal = services.save_draft(scope, alice, SMART)
    services.submit(scope, alice, goal)
    with pytest.raises(GoalRuleError) as refused:
        services.respond(scope, course.people["coach"], goal, "agree", "")
    assert refused.value.status == 403
    services.respond(scope, course.people["coach"], goal, "suggest", "Add a date")
    assert goal.status == GoalStatus.CHANGES
    with pytest.raises(GoalRuleError, match="not waiting"):
        services.respond(scope, course.people["prof"], goal, "agree", "")
    with pytest.raises(GoalRuleError) as student:
        services.respond(scope, course.people["bob"], goal, "agree", "")
    assert student.value.status == 403


def test_check_ins_follow_agreement_and_are_checked(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, SMART)
    with pytest.raises(GoalRuleError, match="once the goal is agreed"):
        progress.check_in(scope, alice, goal, CHECK)
    services.submit(scope, alice, goal)
    services.respond(scope, course.people["prof"], goal, "agree", "Good plan")
    for bad, message in (
        (replace(CHECK, progress=101), "0 to 100"),
        (replace(CHECK, confidence=0), "1 to 5"),
        (replace(CHECK, evidence=""), "cannot be empty"),
        (replace(CHECK, helped="h" * 1001), "under 1000"),
    ):
        with pytest.raises(GoalRuleError, match=message):
            progress.check_in(scope, alice, goal, bad)
    row = progress.check_in(scope, alice, goal, CHECK)
    comment = progress.comment_check_in(scope, course.people["coach"], row, "Nice progress")
    assert comment.author_role == "coach"
    with pytest.raises(GoalRuleError):
        progress.comment_check_in(scope, course.people["bob"], row, "me too")


def test_nothing_changes_after_the_reflection_until_a_facilitator_reopens(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = agreed_goal(course)
    progress.reflect(scope, alice, goal, "partly", "Planning helps", "Start earlier")
    assert goal.status == GoalStatus.REFLECTED
    for act in (
        lambda: progress.check_in(scope, alice, goal, CHECK),
        lambda: services.save_draft(scope, alice, SMART, goal=goal),
        lambda: progress.reflect(scope, alice, goal, "achieved", "x", ""),
    ):
        with pytest.raises(GoalRuleError):
            act()
    with pytest.raises(GoalRuleError) as coach:
        progress.reopen(scope, course.people["coach"], goal, "One more go")
    assert coach.value.status == 403
    with pytest.raises(GoalRuleError, match="cannot be empty"):
        progress.reopen(scope, course.people["prof"], goal, "")
    progress.reopen(scope, course.people["prof"], goal, "One more check-in please")
    assert goal.status == GoalStatus.AGREED
    progress.check_in(scope, alice, goal, CHECK)
    reopened = db.session.scalars(select(Event).where(Event.verb == "goal.reopened")).one()
    assert reopened.actor_id == course.people["prof"].person.id
    assert reopened.data["activity_id"] == course.activity.id


def test_a_reflection_needs_an_outcome_and_what_was_learned(course):
    goal = agreed_goal(course)
    scope, alice = course.scope(), course.people["alice"]
    with pytest.raises(GoalRuleError, match="achieved"):
        progress.reflect(scope, alice, goal, "maybe", "x", "")
    with pytest.raises(GoalRuleError, match="cannot be empty"):
        progress.reflect(scope, alice, goal, "achieved", "", "")


def test_dates_outside_the_activity_window_are_refused(course):
    course.activity.phase_dates = {"draft": "2026-11-01"}
    save_config(course.activity, GoalConfig(due_dates={"reflect": "2026-12-31"}))
    scope, alice = course.scope(), course.people["alice"]
    with pytest.raises(GoalRuleError, match="after the activity ends"):
        services.save_draft(scope, alice, replace(SMART, by_when=date(2027, 1, 5)))
    with pytest.raises(GoalRuleError, match="before the activity starts"):
        services.save_draft(scope, alice, replace(SMART, by_when=date(2026, 10, 5)))
    goal = agreed_goal(course)
    late = course.scope(today=date(2027, 1, 2))
    with pytest.raises(GoalRuleError, match="A check-in cannot be after"):
        progress.check_in(late, alice, goal, CHECK)


def test_goals_close_in_the_reflection_phase_and_stale_forms_are_refused(course):
    settings_of(course.activity).phase = "draft"
    scope = course.scope()
    services.check_phase_seen(scope, "draft")
    settings_of(course.activity).phase = "reflect"
    scope = course.scope()
    with pytest.raises(GoalRuleError) as stale:
        services.check_phase_seen(scope, "draft")
    assert stale.value.code == "STALE_FORM" and stale.value.status == 409
    with pytest.raises(GoalRuleError, match="closed"):
        services.save_draft(scope, course.people["alice"], SMART)


def test_a_phase_date_that_has_come_moves_the_phase(course):
    settings_of(course.activity).phase = "draft"
    course.activity.phase_dates = {"check_in": TODAY.isoformat()}
    assert course.scope().phase == "check_in"
    assert course.scope(today=date(2026, 11, 1)).phase == "draft"


RUBRIC = RubricView(
    version_id=7,
    activity_id=99,
    title="Lab reports",
    version=2,
    criteria=(
        CriterionView(id=31, title="Method is repeatable", description="", weight=1, levels=()),
    ),
)


def test_a_goal_links_to_a_rubric_criterion_by_ids_and_a_title_snapshot(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, replace(SMART, criterion=(7, 31)), rubrics=[RUBRIC])
    version = goal.versions[-1]
    assert (version.rubric_version_id, version.criterion_id, version.criterion_title) == (
        7,
        31,
        "Method is repeatable",
    )
    with pytest.raises(GoalRuleError, match="not one of this course"):
        services.save_draft(scope, alice, replace(SMART, criterion=(7, 32)), rubrics=[RUBRIC])


def test_a_required_criterion_is_asked_for_only_when_a_rubric_exists(course):
    save_config(course.activity, GoalConfig(require_criterion=True))
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, SMART, rubrics=[RUBRIC])
    with pytest.raises(GoalRuleError, match="Link this goal"):
        services.submit(scope, alice, goal, rubrics=[RUBRIC])
    services.submit(scope, alice, goal, rubrics=[])  # no finalised rubric: not required
    assert goal.status == GoalStatus.PENDING


def test_every_action_is_an_event_with_the_activity(course):
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, SMART)
    services.submit(scope, alice, goal)
    services.respond(scope, course.people["coach"], goal, "suggest", "Narrow it")
    services.save_draft(scope, alice, SMART, goal=goal)
    services.submit(scope, alice, goal)
    services.respond(scope, course.people["prof"], goal, "agree", "")
    row = progress.check_in(scope, alice, goal, CHECK)
    progress.comment_check_in(scope, course.people["coach"], row, "Keep going")
    progress.reflect(scope, alice, goal, "achieved", "Lots", "")
    events = db.session.scalars(
        select(Event).where(Event.object_type.in_(("goal", "check_in"))).order_by(Event.id)
    ).all()
    assert [e.verb for e in events] == [
        "goal.drafted",
        "goal.submitted",
        "goal.change_suggested",
        "goal.revised",
        "goal.submitted",
        "goal.agreed",
        "goal.checked_in",
        "check_in.commented",
        "goal.reflected",
    ]
    assert all(e.data["activity_id"] == course.activity.id for e in events)
    assert all(e.context_id == course.activity.context_id for e in events)


def test_the_score_goes_through_the_outbox_as_stages_complete(course):
    save_config(course.activity, GoalConfig(min_goals=1, min_checkins=1))
    scope, alice = course.scope(), course.people["alice"]
    goal = services.save_draft(scope, alice, SMART)
    services.submit(scope, alice, goal)
    row = db.session.scalars(select(OutboxScore)).one()
    assert row.score_given is None and row.grading_progress == "Pending"
    services.respond(scope, course.people["prof"], goal, "agree", "")
    assert row.score_given == pytest.approx(3.33)
    progress.check_in(scope, alice, goal, CHECK)
    progress.reflect(scope, alice, goal, "achieved", "Lots", "")
    db.session.flush()
    db.session.refresh(row)
    assert row.score_given == 10 and row.activity_progress == "Completed"
    assert row.submission and "Goal 1: " + SMART.what in row.submission["submission_data"]


def test_judgement_scoring_uses_the_facilitators_level(course):
    save_config(course.activity, GoalConfig(scoring="judgement", judgement_scale=4))
    scope = course.scope()
    goal = agreed_goal(course)
    with pytest.raises(GoalRuleError):
        progress.judge(scope, course.people["coach"], goal, 3)
    with pytest.raises(GoalRuleError, match="0 to 4"):
        progress.judge(scope, course.people["prof"], goal, 5)
    progress.judge(scope, course.people["prof"], goal, 3)
    assert db.session.scalars(select(OutboxScore.score_given)).one() == 7.5


def test_an_ungraded_activity_writes_no_score(ctx, platform):
    course = make_course(db.session.get(Platform, platform.id), "ungraded", points=0)
    settings_of(course.activity).phase = "check_in"
    agreed_goal(course)
    assert db.session.scalars(select(OutboxScore)).all() == []


def test_configuration_is_checked(course):
    from lti_tool.activities.goals.config import validate_config

    course.activity.phase_dates = {"draft": "2026-11-01"}
    errors = validate_config(
        course.activity,
        GoalConfig(
            min_goals=0,
            max_goals=11,
            agreed_by="anyone",
            checkin_dates=("2026-10-01", "2027-02-01"),
            due_dates={"agree": "2026-12-20", "reflect": "2026-12-01"},
            stage_points={"agree": 0, "check_in": 0, "reflect": 0},
        ),
    )
    assert set(errors) == {
        "min_goals",
        "max_goals",
        "agreed_by",
        "dates",
        "checkin_dates",
        "due_dates",
        "stage_points",
    }
    with pytest.raises(GoalRuleError):
        save_config(course.activity, GoalConfig(min_goals=3, max_goals=2))


def test_a_score_is_written_again_only_when_it_or_the_artifact_changed(course):
    from lti_tool.activities.goals.scoring import rescore

    goal = agreed_goal(course)
    scope = course.scope()
    db.session.flush()
    row = db.session.scalars(select(OutboxScore)).one()
    version = row.version
    assert rescore(scope, goal.person_id) is None
    check = progress.check_in(scope, course.people["alice"], goal, CHECK)
    progress.comment_check_in(scope, course.people["coach"], check, "Nice")
    db.session.flush()
    db.session.refresh(row)
    assert row.version == version + 1  # the check-in, not the comment


def test_in_draft_goals_a_goal_is_not_agreed_checked_in_or_reflected(course):
    """The page says so ("In “Draft goals” you write and send goals…"); the services refuse."""
    settings_of(course.activity).phase = "agree"
    goal = agreed_goal(course)
    settings_of(course.activity).phase = "draft"
    pending = services.save_draft(course.scope(), course.people["bob"], SMART)
    services.submit(course.scope(), course.people["bob"], pending)
    scope, alice = course.scope(), course.people["alice"]
    for attempt in (
        lambda: services.respond(scope, course.people["prof"], pending, "agree", ""),
        lambda: progress.check_in(scope, alice, goal, CHECK),
        lambda: progress.reflect(scope, alice, goal, "achieved", "Lots", ""),
    ):
        with pytest.raises(GoalRuleError) as refused:
            attempt()
        assert refused.value.code == "WRONG_PHASE" and "Draft goals" in refused.value.message
