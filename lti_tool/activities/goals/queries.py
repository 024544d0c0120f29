"""What the goal pages read, out of the views: the class overview one page at a time, a goal's
thread, a student's check-ins.

The overview reads the whole class as a few light columns (status, latest version's time,
last check-in) to count stages, draw the chart and sort, then the words of the goals only for
the page shown: a fixed number of statements, and no ORM object per student
(tests/activities/goals/test_overview.py). The CSV export (overview.class_overview) still has
everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from lti_tool.activities.goals import charts
from lti_tool.activities.goals.overview import STAGES, GoalLine, StudentLine, stage_counts
from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    CheckIn,
    CheckInComment,
    Goal,
    GoalResponse,
    GoalStatus,
    GoalVersion,
    Membership,
    Person,
    Reflection,
    Role,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    """Which students the overview lists: a stage, a name search, a page."""

    stage: str | None = None
    query: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Listing:
        """From the query string; anything unreadable falls back to everyone, first page."""
        stage = args.get("stage") or None
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        return cls(stage if stage in STAGES else None, (args.get("q") or "").strip()[:100], page)


@dataclass
class OverviewPage:
    listing: Listing
    lines: list[StudentLine]  # the page shown
    counts: dict[str, int]  # students per stage, the whole class
    bars: list[charts.Bar]  # the whole class
    matching: int
    pages: int


def _name(name: str | None, given: str | None, family: str | None) -> str:
    """Person.display_name, from plain columns."""
    return name or " ".join(p for p in (given, family) if p) or _("Anonymous user")


def _light_lines(activity: Activity) -> dict[int, StudentLine]:
    """Every student with their goals' status, waiting time and last check-in; no goal text."""
    students = {
        person_id: StudentLine(person_id, _name(name, given, family))
        for person_id, name, given, family in db.session.execute(
            select(Person.id, Person.name, Person.given_name, Person.family_name)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
        )
    }
    latest = (
        select(GoalVersion.goal_id, func.max(GoalVersion.number).label("number"))
        .join(Goal, Goal.id == GoalVersion.goal_id)
        .where(Goal.activity_id == activity.id)
        .group_by(GoalVersion.goal_id)
        .subquery("latest")
    )
    last_ids = (
        select(CheckIn.goal_id, func.max(CheckIn.id).label("id"), func.count(CheckIn.id).label("n"))
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(Goal.activity_id == activity.id)
        .group_by(CheckIn.goal_id)
        .subquery("last_ids")
    )
    rows = db.session.execute(
        select(
            Goal.id,
            Goal.person_id,
            Goal.status,
            latest.c.number,
            GoalVersion.submitted_at,
            last_ids.c.n,
            CheckIn.created_at,
            CheckIn.progress,
        )  # fmt: skip
        .outerjoin(latest, latest.c.goal_id == Goal.id)
        .outerjoin(
            GoalVersion,
            (GoalVersion.goal_id == Goal.id) & (GoalVersion.number == latest.c.number),
        )
        .outerjoin(last_ids, last_ids.c.goal_id == Goal.id)
        .outerjoin(CheckIn, CheckIn.id == last_ids.c.id)
        .where(Goal.activity_id == activity.id)
        .order_by(Goal.id)
    )
    for goal_id, person_id, status, number, submitted_at, n, last_at, progress in rows:
        student = students.get(person_id)
        if student is None:  # left the course (or changed role): still show their goals
            student = students[person_id] = StudentLine(person_id, _("(no longer a student)"))
        student.goals.append(
            GoalLine(
                id=goal_id,
                what="",
                status=status,
                version=number or 0,
                waiting_since=submitted_at,
                check_ins=n or 0,
                last_check_in=last_at,
                progress=progress,
            )
        )
    return students


def _fill_words(lines: list[StudentLine]) -> None:
    """The latest wording and reflection outcome of the goals on the page."""
    goals = {g.id: g for s in lines for g in s.goals}
    if not goals:
        return
    ids = sorted(goals)
    for goal_id, what in db.session.execute(
        select(GoalVersion.goal_id, GoalVersion.what)
        .where(GoalVersion.goal_id.in_(ids))
        .order_by(GoalVersion.number)
    ):
        goals[goal_id].what = what
    # Newest last, so a re-opened and re-reflected goal shows its latest outcome.
    for goal_id, outcome in db.session.execute(
        select(Reflection.goal_id, Reflection.outcome)
        .where(Reflection.goal_id.in_(ids))
        .order_by(Reflection.id)
    ):
        if goals[goal_id].status == GoalStatus.REFLECTED:
            goals[goal_id].outcome = outcome


def overview_page(activity: Activity, listing: Listing | None = None) -> OverviewPage:
    """One page of the class overview: the agreement queue first (oldest waiting first), then
    by name, as overview.class_overview orders the export; counts and chart for everyone."""
    listing = listing or Listing()
    everyone = list(_light_lines(activity).values())
    wanted = listing.query.casefold()
    chosen = [
        s
        for s in everyone
        if (listing.stage is None or s.stage == listing.stage)
        and (not wanted or wanted in s.name.casefold())
    ]

    def order(s: StudentLine) -> tuple[int, str, str]:
        waiting = s.waiting_since.isoformat() if s.waiting_since else ""
        return (0, waiting, s.name.lower()) if s.stage == "waiting" else (1, "", s.name.lower())

    chosen.sort(key=order)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    listing = replace(listing, page=min(listing.page, pages))
    start = (listing.page - 1) * PAGE_SIZE
    shown = chosen[start : start + PAGE_SIZE]
    _fill_words(shown)
    return OverviewPage(
        listing=listing,
        lines=shown,
        counts=stage_counts(everyone),
        bars=charts.class_bars(everyone),
        matching=len(chosen),
        pages=pages,
    )


@dataclass
class Thread:
    """Everything a goal's page shows around the goal itself."""

    owner: Person | None
    check_ins: list[CheckIn]
    comments: dict[int, list[CheckInComment]]
    responses: list[GoalResponse]
    reflections: list[Reflection]
    progress: list[int] = field(default_factory=list)


def goal_thread(goal: Goal) -> Thread:
    """The goal's owner, check-ins with their comments, responses and reflections."""
    check_ins = list(
        db.session.scalars(select(CheckIn).where(CheckIn.goal_id == goal.id).order_by(CheckIn.id))
    )
    comments: dict[int, list[CheckInComment]] = {c.id: [] for c in check_ins}
    if check_ins:
        for comment in db.session.scalars(
            select(CheckInComment)
            .where(CheckInComment.check_in_id.in_(comments))
            .order_by(CheckInComment.id)
        ):
            comments[comment.check_in_id].append(comment)
    responses = db.session.scalars(
        select(GoalResponse).where(GoalResponse.goal_id == goal.id).order_by(GoalResponse.id)
    )
    reflections = db.session.scalars(
        select(Reflection).where(Reflection.goal_id == goal.id).order_by(Reflection.id)
    )
    return Thread(
        owner=db.session.get(Person, goal.person_id),
        check_ins=check_ins,
        comments=comments,
        responses=list(responses),
        reflections=list(reflections),
        progress=[c.progress for c in check_ins],
    )


def check_ins_by_goal(goals: list[Goal]) -> dict[int, list[CheckIn]]:
    """Each goal's check-ins, oldest first, in one query."""
    by_goal: dict[int, list[CheckIn]] = {g.id: [] for g in goals}
    if goals:
        for row in db.session.scalars(
            select(CheckIn).where(CheckIn.goal_id.in_(list(by_goal))).order_by(CheckIn.id)
        ):
            by_goal[row.goal_id].append(row)
    return by_goal


def student_in_course(activity: Activity, person_id: int) -> Person | None:
    """A member of the activity's course, or None."""
    return db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Person.id == person_id, Membership.context_id == activity.context_id)
    ).first()


__all__ = [
    "Listing",
    "OverviewPage",
    "Thread",
    "check_ins_by_goal",
    "goal_thread",
    "overview_page",
    "student_in_course",
]
