"""A small course seeded for the course hub: a rubric co-creation activity walked through its
services, and a goal setting and a feedback rounds activity whose rows are written directly
(the hub only reads them), with figures small enough to count by hand (test_services).

With 10 students (s0..s9) the course holds:

rubric   proposals: s0 two, s2, s4, s6, s8 (s0's first and s2's merged, s4's accepted, s6's
         declined, s8's and s0's second open); comments: s1 one, s3 two; ballots: s1, s5
goals    s0 agreed first time (two check-ins, one coach comment), s1 agreed after a suggested
         change (versions 1 and 2), s2 change suggested, s3 waiting, s4 a draft
feedback round 2 of 2, in review: s0, s1, s2 handed in round 1, s0 round 2;
         s0's round 1 work reviewed by s1 and s2 (2 criteria each), s1's by s0 and by the coach
         (staff, one comment endorsed by the coach); s0's review of s2 is still a draft;
         s0 answered act, act, wont (one unanswered), s1 act on the coach's first comment and
         on s0's second; plans: s0 links both acts, s1 only the coach's; s0's round 2 work is
         reviewed by s1 (level 0) and s2 (level 3) on the first criterion: a discrepancy;
         s1 contests their score
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from lti_tool.activities.rubrics import services as rubrics
from lti_tool.activities.rubrics import voting
from lti_tool.activities.services import ActivityConfig, create_activity
from lti_tool.auth import sessions
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    CheckIn,
    CheckInComment,
    Context,
    Deployment,
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackReview,
    FeedbackRevisionPlan,
    FeedbackScore,
    FeedbackSubmission,
    Goal,
    GoalResponse,
    GoalVersion,
    LinkLaunch,
    Membership,
    Person,
    PlacedBy,
    Placement,
    ResourceLink,
)

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LEVELS = [{"title": t, "description": t, "points": p} for p, t in enumerate("ABCD", 1)]


@dataclass
class HubCourse:
    context: Context
    prof: Person
    coach: Person
    admin: Person
    students: list[Person]
    rubric: Activity
    goals: Activity
    feedback: Activity
    extra: dict[str, int] = field(default_factory=dict)

    def token(self, app, person: Person) -> str:
        """A launch token of `person` in this course (their membership's role)."""
        member = db.session.scalars(
            select(Membership).where(
                Membership.person_id == person.id, Membership.context_id == self.context.id
            )
        ).one()
        return sessions.session_token_for_member(
            platform_id=self.context.platform_id,
            person_id=person.id,
            context_id=self.context.id,
            membership_id=member.id,
            secret_key=app.config["SECRET_KEY"],
        )


def open_links(course: HubCourse, person: Person) -> None:
    """Give each activity an LMS link that `person` launched (a student opens only activities
    whose link they launched: auth.scope.may_open_activity)."""
    for activity in (course.rubric, course.goals, course.feedback):
        link = ResourceLink(context_id=course.context.id, resource_link_id=f"link-{activity.id}")
        db.session.add(link)
        db.session.flush()
        db.session.add(Placement(resource_link_id=link.id, activity_id=activity.id))
        db.session.add(LinkLaunch(person_id=person.id, resource_link_id=link.id))
    db.session.commit()


def person(context: Context, sub: str, role: str, name: str) -> Person:
    p = Person(platform_id=context.platform_id, sub=sub, name=name)
    db.session.add(p)
    db.session.flush()
    db.session.add(Membership(person_id=p.id, context_id=context.id, role=role, raw_roles=[]))
    return p


def seed_course(
    platform_id: int, key: str = "hub-course", students: int = 10, *, work: bool = True
) -> HubCourse:
    """The course above (`students` at least 10), or with `work=False` its people and three
    untouched activities."""
    deployment = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform_id)
    ).first()
    assert deployment is not None
    context = Context(
        platform_id=platform_id, deployment_id=deployment.id, context_id=key, title=f"Course {key}"
    )
    db.session.add(context)
    db.session.flush()
    prof = person(context, f"{key}-prof", "facilitator", "Pat Prof")
    coach = person(context, f"{key}-coach", "coach", "Cory Coach")
    admin = person(context, f"{key}-admin", "admin", "Ada Admin")
    people = [person(context, f"{key}-s{i}", "student", f"Student {i}") for i in range(students)]

    def make(kind: str, title: str) -> Activity:
        return create_activity(
            context,
            ActivityConfig(kind=kind, title=title, points=10),
            created_by=prof,
            placed_by=PlacedBy.FIRST_LAUNCH,
        )

    course = HubCourse(
        context,
        prof,
        coach,
        admin,
        people,
        rubric=make("rubric_cocreation", "Essay rubric"),
        goals=make("goal_setting", "Term goals"),
        feedback=make("feedback_rounds", "Essay rounds"),
    )
    db.session.flush()
    if work:
        _rubric(course)
        _goals(course)
        _feedback(course)
    db.session.commit()
    return course


def _rubric(c: HubCourse) -> None:
    activity, s = c.rubric, c.students
    setup = rubrics.setup_of(activity)
    made = {
        i: rubrics.propose(activity, setup, s[i], f"Criterion {i}", "What it means", "Why")
        for i in range(0, len(s), 2)
    }
    second = rubrics.propose(activity, setup, s[0], "Another", "More", "")
    rubrics.comment(activity, setup, made[0].id, s[1], "Good one")
    rubrics.comment(activity, setup, made[2].id, s[3], "Agree")
    rubrics.comment(activity, setup, made[4].id, s[3], "Unsure")
    rubrics.move_phase(activity, setup, "discuss", c.prof)
    merged = rubrics.merge_proposals(
        activity, setup, [made[0].id, made[2].id], "Clarity", "Clear ideas", c.prof
    )
    accepted = rubrics.accept_proposal(activity, setup, made[4].id, c.prof)
    rubrics.decline_proposal(activity, setup, made[6].id, "Covered by Clarity", c.prof)
    db.session.flush()
    rubrics.move_phase(activity, setup, "vote", c.prof)
    voting.cast_ballot(activity, setup, s[1], {merged.id: 2})
    voting.cast_ballot(activity, setup, s[5], {accepted.id: 1})
    c.extra["open_proposal"] = second.id


def _goal(c: HubCourse, student: Person, status: str, versions: int, *, submitted: bool = True):
    goal = Goal(activity_id=c.goals.id, person_id=student.id, status=status)
    db.session.add(goal)
    db.session.flush()
    for n in range(1, versions + 1):
        db.session.add(
            GoalVersion(
                goal_id=goal.id,
                number=n,
                what=f"Goal v{n}",
                submitted_at=WHEN if submitted else None,
            )
        )
    return goal


def _respond(goal: Goal, who: Person, role: str, version: int, decision: str) -> None:
    db.session.add(
        GoalResponse(
            goal_id=goal.id,
            version_number=version,
            responder_id=who.id,
            responder_name=who.name,
            responder_role=role,
            decision=decision,
        )
    )


def _goals(c: HubCourse) -> None:
    s = c.students
    first = _goal(c, s[0], "agreed", 1)
    _respond(first, c.coach, "coach", 1, "agree")
    after = _goal(c, s[1], "agreed", 2)
    _respond(after, c.coach, "coach", 1, "suggest")
    _respond(after, c.coach, "coach", 2, "agree")
    changes = _goal(c, s[2], "changes", 1)
    _respond(changes, c.prof, "facilitator", 1, "suggest")
    _goal(c, s[3], "pending", 1)
    _goal(c, s[4], "draft", 1, submitted=False)
    checks = [CheckIn(goal_id=first.id, progress=p, confidence=3) for p in (30, 60)]
    db.session.add_all(checks)
    db.session.flush()
    db.session.add(
        CheckInComment(
            check_in_id=checks[0].id,
            author_id=c.coach.id,
            author_name=c.coach.name,
            author_role="coach",
            body="Keep going",
        )
    )


def _feedback(c: HubCourse) -> None:
    a, s = c.feedback.id, c.students
    db.session.add(
        FeedbackConfig(
            activity_id=a, rounds=2, current_round=2, current_phase="review", staff_review=True
        )
    )
    c1, c2 = (
        FeedbackCriterion(activity_id=a, position=i, title=t, levels=LEVELS)
        for i, t in enumerate(("Argument", "Evidence"))
    )
    db.session.add_all([c1, c2])
    db.session.flush()

    def submission(who: Person, round_no: int) -> FeedbackSubmission:
        row = FeedbackSubmission(activity_id=a, person_id=who.id, round=round_no, body="Work")
        db.session.add(row)
        db.session.flush()
        return row

    def review(sub: FeedbackSubmission, by: Person, levels, *, kind="peer", done=True):
        alloc = FeedbackAllocation(
            activity_id=a, round=sub.round, submission_id=sub.id, reviewer_id=by.id, kind=kind
        )
        db.session.add(alloc)
        db.session.flush()
        row = FeedbackReview(
            activity_id=a, allocation_id=alloc.id, submitted_at=WHEN if done else None
        )
        db.session.add(row)
        db.session.flush()
        comments = []
        for criterion, level in zip((c1, c2), levels, strict=False):
            comment = FeedbackComment(
                activity_id=a,
                review_id=row.id,
                criterion_id=criterion.id,
                level=level,
                comment="ok",
            )
            db.session.add(comment)
            comments.append(comment)
        db.session.flush()
        return comments

    s0_r1, s1_r1, s2_r1 = (submission(p, 1) for p in s[:3])
    by_s1 = review(s0_r1, s[1], (2, 2))
    by_s2 = review(s0_r1, s[2], (1, 3))
    by_s0 = review(s1_r1, s[0], (2, 1))
    by_coach = review(s1_r1, c.coach, (2, 2), kind="staff")
    review(s2_r1, s[0], (1, 1), done=False)
    by_s1[0].response = by_s1[1].response = "act"
    by_s2[0].response = "wont"
    by_coach[0].response = by_s0[1].response = "act"
    by_s0[0].endorsed_by_id, by_s0[0].endorsed_role = c.coach.id, "coach"
    db.session.flush()
    db.session.add_all(
        [
            FeedbackRevisionPlan(
                activity_id=a,
                person_id=s[0].id,
                round=1,
                plan="Fix both",
                comment_ids=[by_s1[0].id, by_s1[1].id],
            ),
            FeedbackRevisionPlan(
                activity_id=a, person_id=s[1].id, round=1, plan="One", comment_ids=[by_coach[0].id]
            ),
        ]
    )
    s0_r2 = submission(s[0], 2)
    review(s0_r2, s[1], (0,))
    review(s0_r2, s[2], (3,))
    db.session.add(
        FeedbackScore(
            activity_id=a,
            person_id=s[1].id,
            computed=0.5,
            contest_status="open",
            contest_comment="?",
        )
    )
    db.session.flush()
