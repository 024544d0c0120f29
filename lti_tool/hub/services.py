"""The course hub's figures: a course's activities, what waits for its staff now, and the
coproduction analytics no single activity page shows.

Every query is scoped by the launch's platform and course (and, when the facilitator narrows
the figures, one activity of that course): `HubScope` is made only by `scope_of`, which refuses
an activity of another course. Counting happens in SQL aggregates, so a page costs the same
number of statements for a class of 10 as for a class of 400; where a figure needs a per-person
spread (participation, workload) the database hands over one small row per person and the
spread is summed here. Nothing reads `flask.request`.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, and_, case, exists, func, literal, select, union_all
from sqlalchemy.orm import aliased

from lti_tool.activities.feedback import accuracy
from lti_tool.activities.kinds import kinds
from lti_tool.activities.spreadsheet import csv_writer
from lti_tool.domain import NotFound
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Ballot,
    CheckIn,
    CheckInComment,
    Context,
    Criterion,
    FeedbackAllocation,
    FeedbackComment,
    FeedbackConfig,
    FeedbackReview,
    FeedbackRevisionPlan,
    FeedbackScore,
    FeedbackSubmission,
    Goal,
    GoalResponse,
    GoalStatus,
    GoalVersion,
    LevelDraft,
    Membership,
    Person,
    Proposal,
    ProposalComment,
    ProposalFate,
    Role,
)
from lti_tool.wording import label

# Who may open the hub: the course's teaching staff. Students and mentors see their own work
# on the activities' pages.
STAFF_ROLES = frozenset({Role.FACILITATOR, Role.COACH, Role.ADMIN})


@dataclass(frozen=True)
class HubScope:
    platform_id: int
    context_id: int
    activity_id: int | None = None  # the figures of one activity of the course


def scope_of(platform_id: int, context_id: int, activity_id: int | None = None) -> HubScope:
    """The hub's scope; an activity id that is not this course's reaches nothing (404)."""
    if activity_id is not None:
        found = db.session.scalar(
            select(Activity.id)
            .join(Context, Context.id == Activity.context_id)
            .where(
                Activity.id == activity_id,
                Activity.context_id == context_id,
                Context.platform_id == platform_id,
            )
        )
        if found is None:
            raise NotFound("HUB_ACTIVITY_NOT_FOUND", _l("This course has no such activity."))
    return HubScope(platform_id, context_id, activity_id)


def _activity_ids(scope: HubScope) -> Select[Any]:
    """The ids of the activities the figures count (a subquery every figure filters by)."""
    query = (
        select(Activity.id)
        .join(Context, Context.id == Activity.context_id)
        .where(Activity.context_id == scope.context_id, Context.platform_id == scope.platform_id)
    )
    if scope.activity_id is not None:
        query = query.where(Activity.id == scope.activity_id)
    return query


def _students(scope: HubScope) -> Select[Any]:
    return select(Membership.person_id).where(
        Membership.context_id == scope.context_id, Membership.role == Role.STUDENT
    )


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the course's activities ----------------------------------------------------------------


@dataclass(frozen=True)
class ActivityLine:
    id: int
    title: str
    kind: str  # in words
    phase: str  # in words
    endpoint: str  # the kind's own page


def activity_lines(scope: HubScope, today: date) -> list[ActivityLine]:
    """Every activity of the course, oldest first, with its kind and phase in words."""
    activities = list(
        db.session.scalars(
            select(Activity)
            .join(Context, Context.id == Activity.context_id)
            .where(
                Activity.context_id == scope.context_id, Context.platform_id == scope.platform_id
            )
            .order_by(Activity.created_at, Activity.id)
        )
    )
    registry = kinds()
    by_kind: dict[str, list[Activity]] = defaultdict(list)
    for activity in activities:
        by_kind[activity.kind].append(activity)
    phases: dict[int, str] = {}
    for key, group in by_kind.items():
        kind = registry.get(key)
        if kind is not None:
            phases.update(kind.phases_now(group, today))
    lines = []
    for a in activities:
        kind = registry.get(a.kind)
        lines.append(
            ActivityLine(
                id=a.id,
                title=a.title,
                kind=str(kind.name)
                if kind is not None
                else _("%(kind)s (not offered here)", kind=a.kind),
                phase=str(phases.get(a.id) or _("No phases")),
                endpoint=kind.home_endpoint if kind is not None else "activities.show",
            )
        )
    return lines


# --- what needs attention now ---------------------------------------------------------------


@dataclass(frozen=True)
class Attention:
    activity_id: int
    what: str  # in words, with the count
    count: int
    key: str  # stable, for the CSV and tests


def _counts(query: Select[int, int]) -> dict[int, int]:
    return {int(aid): int(n) for aid, n in db.session.execute(query) if n}


def attention(scope: HubScope) -> list[Attention]:
    """Work waiting for the staff, per activity: one grouped count per sort of wait."""
    ids = _activity_ids(scope)
    goals = _counts(
        select(Goal.activity_id, func.count())
        .where(Goal.activity_id.in_(ids), Goal.status == GoalStatus.PENDING)
        .group_by(Goal.activity_id)
    )
    proposals = _counts(
        select(Proposal.activity_id, func.count())
        .where(Proposal.activity_id.in_(ids), Proposal.fate == ProposalFate.OPEN)
        .group_by(Proposal.activity_id)
    )
    contests = _counts(
        select(FeedbackScore.activity_id, func.count())
        .where(FeedbackScore.activity_id.in_(ids), FeedbackScore.contest_status == "open")
        .group_by(FeedbackScore.activity_id)
    )
    unreviewed = _counts(_waiting_for_staff_review(ids))
    discrepant = _counts(accuracy.discrepancy_sizes(ids))
    out: list[Attention] = []
    for key, counts, words in (
        (
            "goals_waiting",
            goals,
            lambda n: ngettext(
                "%(num)d goal waits for agreement", "%(num)d goals wait for agreement", n
            ),
        ),
        (
            "proposals_open",
            proposals,
            lambda n: ngettext(
                "%(num)d criterion proposal waits for a decision",
                "%(num)d criterion proposals wait for a decision",
                n,
            ),
        ),
        (
            "contests_open",
            contests,
            lambda n: ngettext(
                "%(num)d score contest is open", "%(num)d score contests are open", n
            ),
        ),
        (
            "staff_review_waiting",
            unreviewed,
            lambda n: ngettext(
                "%(num)d submission waits for a staff review",
                "%(num)d submissions wait for a staff review",
                n,
            ),
        ),
        (
            "discrepancy_queue",
            discrepant,
            lambda n: ngettext(
                "%(num)d submission is in the discrepancy queue",
                "%(num)d submissions are in the discrepancy queue",
                n,
            ),
        ),
    ):
        for activity_id, n in sorted(counts.items()):
            out.append(Attention(activity_id, words(n), n, key))
    return out


def _waiting_for_staff_review(ids: Select[Any]) -> Select[int, int]:
    """Current-round submissions of activities with staff review on that no staff member has
    reviewed yet."""
    return (
        select(FeedbackSubmission.activity_id, func.count())
        .join(
            FeedbackConfig,
            and_(
                FeedbackConfig.activity_id == FeedbackSubmission.activity_id,
                FeedbackConfig.current_round == FeedbackSubmission.round,
            ),
        )
        .where(
            FeedbackSubmission.activity_id.in_(ids),
            FeedbackConfig.staff_review.is_(True),
            FeedbackConfig.current_phase != "submit",
            ~accuracy.staff_reviewed(FeedbackSubmission.id),
        )
        .group_by(FeedbackSubmission.activity_id)
    )


# --- coproduction analytics -----------------------------------------------------------------


@dataclass(frozen=True)
class Adoption:
    """Students' criterion proposals and what became of them."""

    proposed: int
    accepted: int
    merged: int
    declined: int
    open: int

    @property
    def adopted(self) -> int:
        return self.accepted + self.merged

    @property
    def rate(self) -> float | None:
        return share(self.adopted, self.proposed)


def adoption(scope: HubScope) -> Adoption:
    def fate(value: str) -> Any:
        return func.coalesce(func.sum(case((Proposal.fate == value, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(Proposal.id),
            fate(ProposalFate.ACCEPTED),
            fate(ProposalFate.MERGED),
            fate(ProposalFate.DECLINED),
            fate(ProposalFate.OPEN),
        ).where(
            Proposal.activity_id.in_(_activity_ids(scope)),
            Proposal.author_id.in_(_students(scope)),
        )
    ).one()
    return Adoption(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class FeedbackUptake:
    """How students answered the feedback they received, and whether "I will act on this"
    led anywhere."""

    received: int  # criterion comments in submitted peer and staff reviews of their work
    responded: int
    will_act: int
    wont_act: int
    in_plan: int  # "will act on" comments the student linked in that round's revision plan
    revised: int  # ... and then handed in the next round's revision

    @property
    def response_rate(self) -> float | None:
        return share(self.responded, self.received)

    @property
    def planned_rate(self) -> float | None:
        return share(self.in_plan, self.will_act)

    @property
    def follow_through(self) -> float | None:
        return share(self.revised, self.will_act)


def feedback_uptake(scope: HubScope) -> FeedbackUptake:
    ids = _activity_ids(scope)
    received = (
        select(FeedbackComment)
        .join(FeedbackReview, FeedbackReview.id == FeedbackComment.review_id)
        .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
        .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
        .where(
            FeedbackComment.activity_id.in_(ids),
            FeedbackReview.submitted_at.is_not(None),
            FeedbackAllocation.kind != "self",
            FeedbackSubmission.person_id.in_(_students(scope)),
        )
    )
    counted = received.with_only_columns(
        func.count(FeedbackComment.id),
        func.count(FeedbackComment.response),
        func.coalesce(func.sum(case((FeedbackComment.response == "act", 1), else_=0)), 0),
        func.coalesce(func.sum(case((FeedbackComment.response == "wont", 1), else_=0)), 0),
    )
    total, responded, act, wont = (int(v or 0) for v in db.session.execute(counted).one())
    # Which "will act on" comments a plan links is a JSON list in the plan's row: the plans
    # (one per student and round) come back with the act comments, and are matched here.
    later = aliased(FeedbackSubmission)
    revised_next = exists(
        select(later.id).where(
            later.activity_id == FeedbackSubmission.activity_id,
            later.person_id == FeedbackSubmission.person_id,
            later.round == FeedbackSubmission.round + 1,
        )
    )
    acts = db.session.execute(
        received.where(FeedbackComment.response == "act").with_only_columns(
            FeedbackComment.id,
            FeedbackSubmission.activity_id,
            FeedbackSubmission.person_id,
            FeedbackSubmission.round,
            revised_next,
        )
    ).all()
    plans = {
        (aid, pid, rnd): set(comment_ids or [])
        for aid, pid, rnd, comment_ids in db.session.execute(
            select(
                FeedbackRevisionPlan.activity_id,
                FeedbackRevisionPlan.person_id,
                FeedbackRevisionPlan.round,
                FeedbackRevisionPlan.comment_ids,
            ).where(FeedbackRevisionPlan.activity_id.in_(ids))
        )
    }
    in_plan = revised = 0
    for comment_id, aid, pid, rnd, next_handed_in in acts:
        if comment_id in plans.get((aid, pid, rnd), ()):
            in_plan += 1
            revised += bool(next_handed_in)
    return FeedbackUptake(total, responded, act, wont, in_plan, revised)


@dataclass(frozen=True)
class GoalAgreement:
    agreed_first_time: int
    agreed_after_change: int
    change_pending: int  # a change was suggested; not agreed yet
    waiting: int  # submitted, no answer yet

    @property
    def agreed(self) -> int:
        return self.agreed_first_time + self.agreed_after_change

    @property
    def first_time_rate(self) -> float | None:
        return share(self.agreed_first_time, self.agreed)


def goal_agreement(scope: HubScope) -> GoalAgreement:
    agrees = func.coalesce(func.sum(case((GoalResponse.decision == "agree", 1), else_=0)), 0)
    suggests = func.coalesce(func.sum(case((GoalResponse.decision == "suggest", 1), else_=0)), 0)
    per_goal = (
        select(Goal.id, Goal.status, agrees.label("agrees"), suggests.label("suggests"))
        .outerjoin(GoalResponse, GoalResponse.goal_id == Goal.id)
        .where(Goal.activity_id.in_(_activity_ids(scope)), Goal.person_id.in_(_students(scope)))
        .group_by(Goal.id, Goal.status)
        .subquery("per_goal")
    )

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            count_of(and_(per_goal.c.agrees > 0, per_goal.c.suggests == 0)),
            count_of(and_(per_goal.c.agrees > 0, per_goal.c.suggests > 0)),
            count_of(and_(per_goal.c.agrees == 0, per_goal.c.suggests > 0)),
            count_of(and_(per_goal.c.agrees == 0, per_goal.c.status == GoalStatus.PENDING)),
        )
    ).one()
    return GoalAgreement(*(int(v or 0) for v in row))


# What a student's contribution is, in the words the page uses, in the order it lists them.
CONTRIBUTIONS = (
    ("proposed", _l("proposed a criterion")),
    ("commented", _l("commented on a proposal")),
    ("voted", _l("voted on criteria")),
    ("described", _l("drafted a level description")),
    ("reviewed", _l("reviewed a peer's work")),
    ("responded", _l("responded to feedback")),
    ("set_goal", _l("submitted a goal")),
    ("checked_in", _l("checked in on a goal")),
)


def _contributions(ids: Select[Any]) -> Any:
    """(person_id, what) for every contribution to the activities: one row each."""

    def of(what: str, person: Any, query: Select[Any]) -> Select[Any]:
        return query.with_only_columns(person.label("person_id"), literal(what).label("what"))

    return union_all(
        of("proposed", Proposal.author_id, select(Proposal).where(Proposal.activity_id.in_(ids))),
        of(
            "commented",
            ProposalComment.author_id,
            select(ProposalComment)
            .join(Proposal, Proposal.id == ProposalComment.proposal_id)
            .where(Proposal.activity_id.in_(ids)),
        ),
        of("voted", Ballot.voter_id, select(Ballot).where(Ballot.activity_id.in_(ids))),
        of(
            "described",
            LevelDraft.author_id,
            select(LevelDraft)
            .join(Criterion, Criterion.id == LevelDraft.criterion_id)
            .where(Criterion.activity_id.in_(ids)),
        ),
        of(
            "reviewed",
            FeedbackAllocation.reviewer_id,
            select(FeedbackReview)
            .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
            .where(
                FeedbackReview.activity_id.in_(ids),
                FeedbackReview.submitted_at.is_not(None),
                FeedbackAllocation.kind == "peer",
            ),
        ),
        of(
            "responded",
            FeedbackSubmission.person_id,
            select(FeedbackComment)
            .join(FeedbackReview, FeedbackReview.id == FeedbackComment.review_id)
            .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
            .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
            .where(FeedbackComment.activity_id.in_(ids), FeedbackComment.response.is_not(None)),
        ),
        of(
            "set_goal",
            Goal.person_id,
            select(GoalVersion)
            .join(Goal, Goal.id == GoalVersion.goal_id)
            .where(Goal.activity_id.in_(ids), GoalVersion.submitted_at.is_not(None)),
        ),
        of(
            "checked_in",
            Goal.person_id,
            select(CheckIn).join(Goal, Goal.id == CheckIn.goal_id).where(Goal.activity_id.in_(ids)),
        ),
    ).subquery("contribution")


@dataclass(frozen=True)
class Participation:
    students: int
    by_what: dict[str, int]  # what -> students who did it at least once
    contributors: int  # students with at least one contribution of any sort
    totals: list[int] = field(repr=False)  # contributions per student, highest first (zeros too)

    @property
    def contributions(self) -> int:
        return sum(self.totals)

    @property
    def contributor_rate(self) -> float | None:
        return share(self.contributors, self.students)

    @property
    def top_group(self) -> int:
        """How many students the most active tenth is (at least one)."""
        return math.ceil(self.students / 10) if self.students else 0

    @property
    def top_share(self) -> float | None:
        """The share of all contributions the most active tenth of the class made."""
        return share(sum(self.totals[: self.top_group]), self.contributions)

    @property
    def gini(self) -> float | None:
        """0 when everyone contributed equally, towards 1 when a few made them all."""
        return gini(self.totals)


def gini(values: Iterable[int]) -> float | None:
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if not n or not total:
        return None
    ranked = sum(i * v for i, v in enumerate(ordered, start=1))
    return (2 * ranked) / (n * total) - (n + 1) / n


def participation(scope: HubScope) -> Participation:
    contribution = _contributions(_activity_ids(scope))
    students = int(
        db.session.scalar(select(func.count()).select_from(_students(scope).subquery())) or 0
    )
    rows = db.session.execute(
        select(contribution.c.person_id, contribution.c.what, func.count())
        .where(contribution.c.person_id.in_(_students(scope)))
        .group_by(contribution.c.person_id, contribution.c.what)
    ).all()
    people: dict[str, set[int]] = defaultdict(set)
    per_person: dict[int, int] = defaultdict(int)
    for person_id, what, n in rows:
        people[what].add(person_id)
        per_person[person_id] += int(n)
    totals = sorted(per_person.values(), reverse=True)
    totals += [0] * max(students - len(totals), 0)
    return Participation(
        students=students,
        by_what={key: len(people.get(key, ())) for key, _w in CONTRIBUTIONS},
        contributors=len(per_person),
        totals=totals,
    )


# What a member of staff's work is, in words.
STAFF_WORK = (
    ("goal_responses", _l("goal responses")),
    ("check_in_comments", _l("check-in comments")),
    ("endorsements", _l("endorsed comments")),
    ("staff_reviews", _l("staff reviews")),
)


@dataclass(frozen=True)
class StaffLoad:
    person_id: int
    name: str
    role: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def staff_workload(scope: HubScope) -> list[StaffLoad]:
    """Per coach and facilitator of the course: what they answered, commented, endorsed and
    reviewed in the activities counted."""
    ids = _activity_ids(scope)

    def of(what: str, person: Any, query: Select[Any]) -> Select[Any]:
        return query.with_only_columns(person.label("person_id"), literal(what).label("what"))

    work = union_all(
        of(
            "goal_responses",
            GoalResponse.responder_id,
            select(GoalResponse)
            .join(Goal, Goal.id == GoalResponse.goal_id)
            .where(Goal.activity_id.in_(ids), GoalResponse.decision.in_(("agree", "suggest"))),
        ),
        of(
            "check_in_comments",
            CheckInComment.author_id,
            select(CheckInComment)
            .join(CheckIn, CheckIn.id == CheckInComment.check_in_id)
            .join(Goal, Goal.id == CheckIn.goal_id)
            .where(Goal.activity_id.in_(ids)),
        ),
        of(
            "endorsements",
            FeedbackComment.endorsed_by_id,
            select(FeedbackComment).where(
                FeedbackComment.activity_id.in_(ids), FeedbackComment.endorsed_by_id.is_not(None)
            ),
        ),
        of(
            "staff_reviews",
            FeedbackAllocation.reviewer_id,
            select(FeedbackReview)
            .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
            .where(
                FeedbackReview.activity_id.in_(ids),
                FeedbackReview.submitted_at.is_not(None),
                FeedbackAllocation.kind == "staff",
            ),
        ),
    ).subquery("work")
    counts = (
        select(work.c.person_id, work.c.what, func.count().label("n"))
        .group_by(work.c.person_id, work.c.what)
        .subquery("counts")
    )
    rows = db.session.execute(
        select(
            Membership.person_id,
            Membership.role,
            Person.name,
            Person.given_name,
            Person.family_name,
            counts.c.what,
            counts.c.n,
        )
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(counts, counts.c.person_id == Membership.person_id)
        .where(
            Membership.context_id == scope.context_id,
            Membership.role.in_((Role.COACH, Role.FACILITATOR)),
            Person.platform_id == scope.platform_id,
        )
    ).all()
    loads: dict[int, StaffLoad] = {}
    for person_id, role, name, given, family, what, n in rows:
        load = loads.get(person_id)
        if load is None:
            full = " ".join(p for p in (given, family) if p)
            load = StaffLoad(
                person_id, name or full or _("Anonymous user"), role, {k: 0 for k, _w in STAFF_WORK}
            )
            loads[person_id] = load
        if what is not None:
            load.counts[what] = int(n)
    # Coaches first (the figure is about them), then by work done, then by name.
    return sorted(
        loads.values(), key=lambda s: (s.role != Role.COACH, -s.total, s.name.lower(), s.person_id)
    )


# --- the whole hub, and its CSV -------------------------------------------------------------


@dataclass(frozen=True)
class Hub:
    scope: HubScope
    activities: list[ActivityLine]
    attention: list[Attention]
    adoption: Adoption
    uptake: FeedbackUptake
    goals: GoalAgreement
    participation: Participation
    workload: list[StaffLoad]

    @property
    def focus(self) -> ActivityLine | None:
        """The one activity the figures are narrowed to, if any."""
        return next((a for a in self.activities if a.id == self.scope.activity_id), None)

    def attention_of(self, activity_id: int) -> list[Attention]:
        return [a for a in self.attention if a.activity_id == activity_id]


def course_hub(scope: HubScope, today: date) -> Hub:
    return Hub(
        scope=scope,
        activities=activity_lines(scope, today),
        attention=attention(scope),
        adoption=adoption(scope),
        uptake=feedback_uptake(scope),
        goals=goal_agreement(scope),
        participation=participation(scope),
        workload=staff_workload(scope),
    )


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def export_csv(hub: Hub) -> str:
    """The hub's figures, one per row (section, item, measure, value), then one row per
    activity with its waiting work. Written with the project's safe CSV writer: an activity
    title or a name starting with "=" stays text."""
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow([_("section"), _("item"), _("measure"), _("value")])
    a, u, g, p = hub.adoption, hub.uptake, hub.goals, hub.participation
    for measure, value in (
        (_("student proposals"), a.proposed),
        (_("accepted as written"), a.accepted),
        (_("merged into a criterion"), a.merged),
        (_("declined"), a.declined),
        (_("still open"), a.open),
        (_("adopted share"), _ratio(a.rate)),
    ):
        w.writerow(
            [
                _("proposals adopted"),
                _("course") if hub.focus is None else hub.focus.title,
                measure,
                value,
            ]
        )
    for measure, value in (
        (_("comments received"), u.received),
        (_("responded to"), u.responded),
        (_("will act on"), u.will_act),
        (_("will not act on"), u.wont_act),
        (_("will act on, in the revision plan"), u.in_plan),
        (_("will act on, in the plan and revised"), u.revised),
        (_("response rate"), _ratio(u.response_rate)),
        (_("follow-through"), _ratio(u.follow_through)),
    ):
        w.writerow([_("feedback uptake"), "", measure, value])
    for measure, value in (
        (_("agreed first time"), g.agreed_first_time),
        (_("agreed after a suggested change"), g.agreed_after_change),
        (_("change suggested, not agreed yet"), g.change_pending),
        (_("waiting for a first answer"), g.waiting),
        (_("first-time share"), _ratio(g.first_time_rate)),
    ):
        w.writerow([_("goal agreement"), "", measure, value])
    w.writerow([_("participation"), "", _("students"), p.students])
    w.writerow([_("participation"), "", _("contributed at least once"), p.contributors])
    for key, words in CONTRIBUTIONS:
        w.writerow([_("participation"), "", words, p.by_what[key]])
    w.writerow([_("participation"), "", _("contributions"), p.contributions])
    w.writerow(
        [_("participation"), "", _("share made by the most active tenth"), _ratio(p.top_share)]
    )
    w.writerow([_("participation"), "", _("Gini coefficient"), _ratio(p.gini)])
    for load in hub.workload:
        for key, words in STAFF_WORK:
            w.writerow(
                [
                    _("workload (%(role)s)", role=label(load.role, "role")),
                    load.name,
                    words,
                    load.counts[key],
                ]
            )
    w.writerow([])
    w.writerow([_("activity id"), _("title"), _("kind"), _("phase"), _("waiting")])
    for line in hub.activities:
        waiting = "; ".join(x.what for x in hub.attention_of(line.id))
        w.writerow([line.id, line.title, line.kind, line.phase, waiting])
    return out.getvalue()
