"""Extensions and accommodations (issue 16 item 3): a student with an extension submits late
without a late mark and is allocated reviewers (and reviews others); excused students drop out
of scores, in hand-computed cases; group extensions; who may grant."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from lti_tool.activities import extensions
from lti_tool.activities.feedback import scoring
from lti_tool.activities.feedback import services as svc
from lti_tool.activities.feedback.reviewing import ReviewInput, save_review
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.extensions import db
from lti_tool.grading.goals import GoalStanding, ScoreRule, goal_score
from lti_tool.grading.rubrics import Participation, participation_score
from lti_tool.models import (
    Context,
    CourseGroup,
    CourseGroupMember,
    CourseGroupSet,
    Deployment,
    Event,
    Membership,
    Person,
    PlacedBy,
    Role,
)
from lti_tool.models.feedback import FeedbackAllocation
from tests.builders import make_platform

TODAY = date.today()


@pytest.fixture
def fr(app, platform):
    with app.app_context():
        deployment = db.session.scalars(
            select(Deployment).where(Deployment.platform_id == platform.id)
        ).first()
        ctx = Context(platform_id=platform.id, deployment_id=deployment.id, context_id="c1")
        db.session.add(ctx)
        db.session.flush()
        people = [Person(platform_id=platform.id, sub=f"s{n}", name=f"S{n}") for n in range(5)]
        prof = Person(platform_id=platform.id, sub="prof", name="Prof")
        coach = Person(platform_id=platform.id, sub="coach", name="Coach")
        db.session.add_all([*people, prof, coach])
        db.session.flush()
        db.session.add_all(
            Membership(person_id=p.id, context_id=ctx.id, role=Role.STUDENT) for p in people
        )
        activity = create_activity(
            ctx,
            ActivityConfig(kind="feedback_rounds", title="FR", points=10),
            created_by=prof,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )
        svc.set_direct_rubric(activity, prof, [svc.CriterionInput("A", "", ("lo", "mid", "hi"))])
        yield activity, people, prof, coach
        db.session.remove()


def _peer(activity, **where):
    rows = db.session.scalars(
        select(FeedbackAllocation).where(
            FeedbackAllocation.activity_id == activity.id, FeedbackAllocation.kind == "peer"
        )
    )
    return [
        (a.submission.person_id, a.reviewer_id)
        for a in rows
        if all(getattr(a, k) == v for k, v in where.items())
    ]


def test_extended_student_submits_during_review_unmarked_and_gets_reviewers(fr):
    activity, people, prof, _ = fr
    # Review began yesterday; late work is refused for everyone else.
    dates = {"1": {"review": (TODAY - timedelta(days=1)).isoformat()}}
    svc.configure(
        activity,
        prof,
        svc.Settings(reviewers_per_submission=2, late_policy="refuse", round_dates=dates),
    )
    ext = extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=people[4].id),
        "r1:submit",
        due=TODAY + timedelta(days=3),
        reason="Accommodation letter",
    )
    for p in people[:3]:
        svc.submit(activity, p, body="on time", now=_days_ago(2))
    svc.advance_phase(activity, prof)
    before = set(_peer(activity))
    with pytest.raises(svc.FeedbackError) as refused:
        svc.submit(activity, people[3], body="late, no extension")
    assert refused.value.code == "DEADLINE_PASSED"

    sub = svc.submit(activity, people[4], body="under the extension")
    assert sub.late is False
    after = set(_peer(activity))
    assert before <= after  # nobody's reviews moved
    reviewers_of_late = [r for a, r in after - before if a == people[4].id]
    assert len(reviewers_of_late) == 2 and people[4].id not in reviewers_of_late
    # Re-balanced: the late student reviews two of the others too.
    reviews_by_late = [a for a, r in after - before if r == people[4].id]
    assert len(reviews_by_late) == 2 and people[4].id not in reviews_by_late
    event = db.session.scalars(select(Event).where(Event.verb == "extension.granted")).one()
    assert event.actor_label == "Prof" and event.data["phase"] == "r1:submit"
    assert extensions.history(activity) == [ext]


def _days_ago(n):
    from lti_tool.models import utcnow

    return utcnow() - timedelta(days=n)


def test_group_extension_applies_to_its_members_and_own_grant_wins(fr):
    activity, people, prof, _ = fr
    svc.configure(activity, prof, svc.Settings(allocation="groups"))
    svc.set_groups(activity, prof, {people[0].id: "Red", people[1].id: "Red"})
    assert ("typed:Red", "Group: Red") in extensions.groups_of(activity)
    later = TODAY + timedelta(days=5)
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(group_key="typed:Red"),
        "r1:review",
        due=later,
    )
    assert extensions.due_for(activity, people[1].id, "r1:review") == later
    assert extensions.due_for(activity, people[2].id, "r1:review") is None
    own = TODAY + timedelta(days=1)
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=people[1].id),
        "r1:review",
        due=own,
    )
    assert extensions.due_for(activity, people[1].id, "r1:review") == own
    with pytest.raises(extensions.ExtensionError):
        extensions.grant(
            activity, prof, Role.FACILITATOR, extensions.Target(group_key="typed:Blue"), "*"
        )


def test_coaches_grant_only_when_the_activity_allows(fr):
    activity, people, prof, coach = fr
    target = extensions.Target(person_id=people[0].id)
    with pytest.raises(extensions.ExtensionError) as refused:
        extensions.grant(activity, coach, Role.COACH, target, "r1:submit", due=TODAY)
    assert refused.value.status == 403
    extensions.set_coaches_may_grant(activity, prof, True)
    row = extensions.grant(activity, coach, Role.COACH, target, "r1:submit", due=TODAY)
    assert row.granted_role == "coach"
    with pytest.raises(extensions.ExtensionError):
        extensions.grant(activity, prof, Role.STUDENT, target, "r1:submit", due=TODAY)
    with pytest.raises(extensions.ExtensionError):  # not a student of this course
        extensions.grant(
            activity, prof, Role.FACILITATOR, extensions.Target(person_id=prof.id), "*"
        )


def test_excused_reviewing_drops_out_of_the_feedback_score(fr):
    """Hand-computed. 3 students, k=2, weights peer .6 staff .2 reviewing .2 (self 0), one
    criterion lo/mid/hi = 0, .5, 1. S0 and S1 review everything "hi"; S2 reviews nothing.
    S2's work: peers 1, 1 -> median 1; no staff review -> that drops out -> work 1.0.
    S2's reviewing: 0 of 2 done -> completion 0 -> reviewing 0.
    Not excused: (1.0 × 0.8 + 0 × 0.2) / 1.0 = 0.8. Excused from round 1's reviews: the
    reviewing component has no data and drops out -> 1.0. S0 excused from the whole activity:
    no score."""
    activity, people, prof, _ = fr
    svc.configure(
        activity,
        prof,
        svc.Settings(
            rounds=1,
            reviewers_per_submission=2,
            weight_peer=0.6,
            weight_self=0,
            weight_staff=0.2,
            weight_reviewing=0.2,
        ),
    )
    s0, s1, s2 = people[:3]
    for p in (s0, s1, s2):
        svc.submit(activity, p, body="work")
    svc.advance_phase(activity, prof)
    cid = svc.criteria_of(activity)[0].id
    for reviewer in (s0, s1):
        for alloc in db.session.scalars(
            select(FeedbackAllocation).where(FeedbackAllocation.reviewer_id == reviewer.id)
        ):
            save_review(activity, reviewer, alloc, ReviewInput({cid: 2}, {}, "good", True))
    assert scoring.compute_scores(activity)[s2.id].total == pytest.approx(0.8)
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=s2.id),
        "r1:review",
        excused=True,
        reason="Hospital stay",
    )
    breakdown = scoring.compute_scores(activity)[s2.id]
    assert breakdown.reviewing is None
    assert breakdown.total == pytest.approx(1.0)
    extensions.grant(
        activity, prof, Role.FACILITATOR, extensions.Target(person_id=s0.id), "*", excused=True
    )
    assert scoring.compute_scores(activity)[s0.id].total is None
    # S1 is untouched: work 1.0 (S0's "hi"; S2 reviewed nothing), reviewing: completion 2/2
    # and agreement 1 (S1 and S0 both chose "hi" for S2's work) -> 1.0.
    assert scoring.compute_scores(activity)[s1.id].total == pytest.approx(1.0)
    # Revoking (a grant with neither date nor excused) brings the 0.8 back.
    extensions.grant(
        activity, prof, Role.FACILITATOR, extensions.Target(person_id=s2.id), "r1:review"
    )
    assert scoring.compute_scores(activity)[s2.id].total == pytest.approx(0.8)
    verbs = [e.verb for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert verbs.count("extension.excused") == 2 and "extension.revoked" in verbs


def test_excused_goal_stage_and_rubric_part_drop_out():
    """Hand-computed. Goals: 12 points, stages agree 3 / check_in 6 / reflect 3; a student
    who agreed and checked in (not reflected) has 9. Excused from reflecting, the 12 points
    are shared by agree and check_in: 12 × 9/9 = 12. Excused from everything: no score.
    Rubrics: 9 points, proposed only: 3; excused from voting: 9 × 1/2 = 4.5."""
    rule = ScoreRule("completion", 12, 1, 1, {"agree": 3, "check_in": 6, "reflect": 3}, 4)
    goals = [GoalStanding(agreed=True, check_ins=1, reflected=False)]
    assert goal_score(rule, goals) == 9
    assert goal_score(rule, goals, frozenset({"reflect"})) == 12
    assert goal_score(rule, goals, frozenset({"*"})) is None
    taken = Participation(proposed=True, commented=False, voted=False)
    assert participation_score(9, taken) == 3
    assert participation_score(9, taken, frozenset({"voted"})) == 4.5
    assert participation_score(9, taken, frozenset({"proposed", "commented", "voted"})) is None


def test_review_extension_lets_a_reviewer_finish_after_the_phase(fr):
    activity, people, prof, _ = fr
    svc.configure(activity, prof, svc.Settings(reviewers_per_submission=1))
    for p in people:
        svc.submit(activity, p, body="work")
    svc.advance_phase(activity, prof)
    svc.advance_phase(activity, prof)  # respond: reviews are closed
    cid = svc.criteria_of(activity)[0].id
    late, other = people[0], people[1]
    mine = db.session.scalars(
        select(FeedbackAllocation).where(FeedbackAllocation.reviewer_id == late.id)
    ).first()
    theirs = db.session.scalars(
        select(FeedbackAllocation).where(FeedbackAllocation.reviewer_id == other.id)
    ).first()
    review = ReviewInput({cid: 1}, {}, "fair", True)
    with pytest.raises(svc.FeedbackError) as closed:
        save_review(activity, late, mine, review)
    assert closed.value.code == "PHASE_CLOSED"
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=late.id),
        "r1:review",
        due=TODAY + timedelta(days=2),
    )
    assert save_review(activity, late, mine, review).submitted_at is not None
    with pytest.raises(svc.FeedbackError):  # no extension: still closed
        save_review(activity, other, theirs, review)


# LMS groups and sections: extension targets for every kind ("lms:<course group id>").

KINDS = ("goal_setting", "rubric_cocreation", "feedback_rounds")
# A phase of each kind a student acts in (the kind's own phase keys).
PHASE = {"goal_setting": "agree", "rubric_cocreation": "vote", "feedback_rounds": "r1:submit"}


def _course(platform, name, students):
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform.id)
    ).first()
    ctx = Context(platform_id=platform.id, deployment_id=deployment.id, context_id=name)
    db.session.add(ctx)
    db.session.flush()
    people = [
        Person(platform_id=platform.id, sub=f"{name}-s{n}", name=f"{name} S{n}")
        for n in range(students)
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(
        Membership(person_id=p.id, context_id=ctx.id, role=Role.STUDENT) for p in people
    )
    return ctx, people


def _group_set(ctx, name, kind, groups):
    """A set of the course's groups as the LMS tells them: {group name: members}."""
    group_set = CourseGroupSet(
        context_id=ctx.id,
        source="sections" if kind == "sections" else "groups_service",
        external_id=name,
        name=name,
        kind=kind,
    )
    db.session.add(group_set)
    db.session.flush()
    made = {}
    for n, (group_name, members) in enumerate(groups.items()):
        group = CourseGroup(
            context_id=ctx.id, set_id=group_set.id, external_id=f"{name}-{n}", name=group_name
        )
        db.session.add(group)
        db.session.flush()
        db.session.add_all(
            CourseGroupMember(context_id=ctx.id, group_id=group.id, person_id=p.id) for p in members
        )
        made[group_name] = group
    db.session.flush()
    return made


def _activity(ctx, kind, prof):
    return create_activity(
        ctx,
        ActivityConfig(kind=kind, title=kind, points=10),
        created_by=prof,
        placed_by=PlacedBy.FIRST_LAUNCH,
    )


@pytest.fixture
def sections(app, platform):
    """One course of 6: sections A01 (S0-S2) and A02 (S3-S5), and a group set "Project
    teams" with Group 3 (S0, S3); another course with its own section B01."""
    with app.app_context():
        ctx, people = _course(platform, "c1", 6)
        prof = Person(platform_id=platform.id, sub="prof", name="Prof")
        db.session.add(prof)
        db.session.flush()
        groups = {
            **_group_set(ctx, "Sections", "sections", {"A01": people[:3], "A02": people[3:]}),
            **_group_set(ctx, "Project teams", "groups", {"Group 3": [people[0], people[3]]}),
        }
        other, strangers = _course(platform, "c2", 2)
        groups |= _group_set(other, "Sections", "sections", {"B01": strangers})
        yield ctx, people, prof, groups
        db.session.remove()


def _lms(group):
    return extensions.Target(group_key=f"lms:{group.id}")


@pytest.mark.parametrize("kind", KINDS)
def test_a_sections_extension_moves_each_members_due_date_and_own_grant_wins(sections, kind):
    ctx, people, prof, groups = sections
    activity = _activity(ctx, kind, prof)
    a01, a02, team = groups["A01"], groups["A02"], groups["Group 3"]
    assert extensions.groups_of(activity)[-3:] == [
        (f"lms:{a01.id}", "Section: A01"),
        (f"lms:{a02.id}", "Section: A02"),
        (f"lms:{team.id}", "Project teams: Group 3"),
    ]
    assert f"lms:{groups['B01'].id}" not in dict(extensions.groups_of(activity))
    assert extensions.group_keys_of(activity, people[0].id) >= {
        f"lms:{a01.id}",
        f"lms:{team.id}",
    }
    phase = PHASE[kind]
    section_day, own_day = TODAY + timedelta(days=4), TODAY + timedelta(days=1)
    extensions.grant(activity, prof, Role.FACILITATOR, _lms(a01), phase, due=section_day)
    assert [extensions.due_for(activity, p.id, phase) for p in people] == [section_day] * 3 + [
        None
    ] * 3
    # A student's own grant wins over their section's, even when it is earlier.
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=people[1].id),
        phase,
        due=own_day,
    )
    assert extensions.due_for(activity, people[1].id, phase) == own_day
    assert extensions.due_for(activity, people[2].id, phase) == section_day
    # S0 is in A01 (4 days) and Group 3 (6 days): the later of their groups' days.
    extensions.grant(
        activity, prof, Role.FACILITATOR, _lms(team), phase, due=TODAY + timedelta(days=6)
    )
    assert extensions.due_for(activity, people[0].id, phase) == TODAY + timedelta(days=6)
    assert extensions.due_for(activity, people[3].id, phase) == TODAY + timedelta(days=6)
    assert extensions.due_for(activity, people[4].id, phase) is None


def test_a_feedback_members_submit_day_follows_their_section(sections):
    from lti_tool.activities.feedback.extensions import submit_due

    ctx, people, prof, groups = sections
    activity = _activity(ctx, "feedback_rounds", prof)
    day = TODAY + timedelta(days=3)
    extensions.grant(activity, prof, Role.FACILITATOR, _lms(groups["A02"]), "r1:submit", due=day)
    assert [submit_due(activity, p.id, 1) for p in people] == [None] * 3 + [day] * 3


@pytest.mark.parametrize("kind", KINDS)
def test_an_excused_section_drops_its_members_phase(sections, kind):
    ctx, people, prof, groups = sections
    activity = _activity(ctx, kind, prof)
    phase = PHASE[kind]
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        _lms(groups["A02"]),
        phase,
        excused=True,
        reason="Field trip",
    )
    # S4's own grant (a date, not excused) wins over the section's "excused".
    extensions.grant(
        activity,
        prof,
        Role.FACILITATOR,
        extensions.Target(person_id=people[4].id),
        phase,
        due=TODAY,
    )
    assert extensions.excused_phases(activity) == {
        people[3].id: {phase},
        people[5].id: {phase},
    }


def test_an_excused_section_drops_out_of_feedback_reviewing(sections):
    from lti_tool.activities.feedback.extensions import excused_reviewing

    ctx, people, prof, groups = sections
    activity = _activity(ctx, "feedback_rounds", prof)
    extensions.grant(
        activity, prof, Role.FACILITATOR, _lms(groups["A01"]), "r1:review", excused=True
    )
    assert excused_reviewing(activity) == {p.id: {1} for p in people[:3]}


@pytest.mark.parametrize("kind", KINDS)
def test_another_courses_group_is_refused(sections, kind):
    ctx, _, prof, groups = sections
    activity = _activity(ctx, kind, prof)
    for key in (f"lms:{groups['B01'].id}", "lms:999999", "lms:x", "lms:"):
        with pytest.raises(extensions.ExtensionError) as refused:
            extensions.grant(
                activity,
                prof,
                Role.FACILITATOR,
                extensions.Target(group_key=key),
                "*",
                excused=True,
            )
        assert refused.value.status == 404
    assert extensions.history(activity) == []


def _statements(engine, work):
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), result


@pytest.mark.parametrize("kind", KINDS)
def test_excused_phases_reads_groups_once_whatever_the_class_size(app, platform, kind):
    """5 and 50 students, in two sections and a typed group (feedback rounds): the same
    number of statements, and every member of the excused section is excused. (Read one
    student at a time, 5 and 50 students cost 7 and 52 statements.)"""
    counts = []
    with app.app_context():
        prof = Person(platform_id=platform.id, sub="prof", name="Prof")
        db.session.add(prof)
        for size in (5, 50):
            ctx, people = _course(platform, f"size{size}", size)
            half = size // 2
            made = _group_set(ctx, "Sections", "sections", {"A": people[:half], "B": people[half:]})
            activity = _activity(ctx, kind, prof)
            if kind == "feedback_rounds":
                svc.set_groups(activity, prof, {p.id: "Red" for p in people[half:]})
            phase = PHASE[kind]
            extensions.grant(activity, prof, Role.FACILITATOR, _lms(made["A"]), phase, excused=True)
            extensions.grant(activity, prof, Role.FACILITATOR, _lms(made["B"]), phase, due=TODAY)
            extensions.grant(
                activity,
                prof,
                Role.FACILITATOR,
                extensions.Target(person_id=people[-1].id),
                "*",
                excused=True,
            )
            db.session.flush()
            n, excused = _statements(db.engine, lambda a=activity: extensions.excused_phases(a))
            assert excused == {
                **{p.id: {phase} for p in people[:half]},
                people[-1].id: {"*"},
            }
            counts.append(n)
        db.session.remove()
    # The grants in force, the students, the LMS memberships (and feedback's typed groups).
    assert counts == [3 + (kind == "feedback_rounds")] * 2


def test_a_kind_loaded_by_the_setting_gets_lms_groups_too(make_app):
    """The toy kind (tests/activities/toy_kind) registers neither phases nor groups: its
    students still get their section's day for the whole activity."""
    app = make_app(EXTRA_ACTIVITY_KINDS="tests.activities.toy_kind:KIND")
    with app.app_context():
        platform = make_platform("http://127.0.0.1:1/jwks")
        ctx, people = _course(platform, "toy", 2)
        prof = Person(platform_id=platform.id, sub="prof", name="Prof")
        db.session.add(prof)
        made = _group_set(ctx, "Sections", "sections", {"T1": people[:1]})
        activity = _activity(ctx, "toy_tally", prof)
        assert (f"lms:{made['T1'].id}", "Section: T1") in extensions.groups_of(activity)
        extensions.grant(activity, prof, Role.FACILITATOR, _lms(made["T1"]), "*", due=TODAY)
        assert [extensions.due_for(activity, p.id, "*") for p in people] == [TODAY, None]
        db.session.remove()
