"""What the goal pages read, out of the views: the class overview one page at a time, a goal's
thread, a student's check-ins.

The overview counts stages and chart bands, filters, sorts and pages the class in one SQL
statement (StudentLine's rules written in SQL: a class of 5,000 once looped in Python over every
student on each render), then reads the goals of the page's students only: a fixed number of
statements, and Python work for one page whatever the class size
(tests/activities/goals/test_overview.py). The CSV export (overview.class_overview) still has
everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Float, Select, and_, case, cast, func, literal, select, union
from sqlalchemy.orm import aliased

from lti_tool.activities.goals import charts
from lti_tool.activities.goals.overview import STAGES, GoalLine, StudentLine
from lti_tool.extensions import db
from lti_tool.i18n import N_
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
LEFT_COURSE = N_("(no longer a student)")  # has goals here, no longer a student of the course


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


def _display_name() -> Any:
    """Person.display_name in SQL, to search and sort by: the name, else the given and family
    names, else "Anonymous user"."""
    parts = func.trim(
        func.coalesce(Person.given_name, "") + " " + func.coalesce(Person.family_name, "")
    )
    return func.coalesce(func.nullif(Person.name, ""), func.nullif(parts, ""), _("Anonymous user"))


def _per_goal(activity: Activity, person_ids: list[int]) -> Select[Any]:
    """The goals of these students with their latest version's number and time, how many
    check-ins each has and its last one's time and progress (no goal text)."""
    mine = (Goal.activity_id == activity.id) & Goal.person_id.in_(person_ids)
    latest = (
        select(GoalVersion.goal_id, func.max(GoalVersion.number).label("number"))
        .join(Goal, Goal.id == GoalVersion.goal_id)
        .where(mine)
        .group_by(GoalVersion.goal_id)
        .subquery("latest")
    )
    last_ids = (
        select(CheckIn.goal_id, func.max(CheckIn.id).label("id"), func.count(CheckIn.id).label("n"))
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(mine)
        .group_by(CheckIn.goal_id)
        .subquery("last_ids")
    )
    return (
        select(
            Goal.id.label("goal_id"),
            Goal.person_id,
            Goal.status,
            latest.c.number,
            GoalVersion.submitted_at,
            func.coalesce(last_ids.c.n, 0).label("check_ins"),
            CheckIn.created_at.label("last_at"),
            CheckIn.progress,
        )  # fmt: skip
        .outerjoin(latest, latest.c.goal_id == Goal.id)
        .outerjoin(
            GoalVersion,
            (GoalVersion.goal_id == Goal.id) & (GoalVersion.number == latest.c.number),
        )
        .outerjoin(last_ids, last_ids.c.goal_id == Goal.id)
        .outerjoin(CheckIn, CheckIn.id == last_ids.c.id)
        .where(mine)
    )


def _count_of(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bucket(average: Any) -> Any:
    """charts.BUCKETS index of an average progress rounded as round() does (a band's edge,
    19.5, goes up to 20 either way: the bands' lower bounds are even)."""
    return case(
        *(
            (and_(average >= low - 0.5, average < high + 0.5), i)
            for i, (low, high) in enumerate(charts.BUCKETS)
        ),
        else_=None,
    )


def _everyone(activity: Activity, listing: Listing) -> Any:
    """Every student (and anyone with goals here who left the course) once: name, stage, time
    waiting, chart band and whether the listing wants them. StudentLine's rules (stage,
    waiting_since, progress) in SQL."""
    # What the stage, the queue and the chart need of each goal, and no more: check-ins
    # counted with the last one's progress, and the time a pending goal's latest version was
    # submitted (an index lookup for the pending goals only).
    check_ins = (
        select(CheckIn.goal_id, func.max(CheckIn.id).label("last_id"), func.count().label("n"))
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(Goal.activity_id == activity.id)
        .group_by(CheckIn.goal_id)
        .subquery("check_ins")
    )
    last = aliased(CheckIn, name="last_check_in")
    submitted = (
        select(GoalVersion.submitted_at)
        .where(GoalVersion.goal_id == Goal.id)
        .order_by(GoalVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    pending = Goal.status == GoalStatus.PENDING
    per_person = (
        select(
            Goal.person_id,
            func.count(Goal.id).label("n"),
            _count_of(pending).label("pending"),
            _count_of(Goal.status == GoalStatus.CHANGES).label("changes"),
            _count_of(Goal.status == GoalStatus.REFLECTED).label("reflected"),
            _count_of(Goal.status == GoalStatus.DRAFT).label("draft"),
            func.sum(check_ins.c.n).label("checked"),
            func.min(case((pending, submitted))).label("waiting_since"),
            (
                cast(func.sum(last.progress), Float) / func.nullif(func.count(last.progress), 0)
            ).label("average"),
        )
        .outerjoin(check_ins, check_ins.c.goal_id == Goal.id)
        .outerjoin(last, last.id == check_ins.c.last_id)
        .where(Goal.activity_id == activity.id)
        .group_by(Goal.person_id)
        .subquery("per_person")
    )
    students = (
        select(Membership.person_id)
        .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
        .subquery("students")
    )
    people = union(
        select(students.c.person_id),
        select(Goal.person_id).where(Goal.activity_id == activity.id),
    ).subquery("people")
    pp = per_person.c
    n = func.coalesce(pp.n, 0)
    stage = case(
        (n == 0, "not_started"),
        (pp.pending > 0, "waiting"),
        (pp.changes > 0, "changes"),
        (pp.reflected == n, "reflected"),
        (pp.draft == n, "drafting"),
        (pp.checked > 0, "checking_in"),
        else_="agreed",
    )
    name = case((students.c.person_id.is_(None), _(LEFT_COURSE)), else_=_display_name())
    wanted: Any = literal(True)
    if listing.stage:
        wanted = stage == listing.stage
    if listing.query:
        wanted = and_(wanted, name.icontains(listing.query, autoescape=True))
    return (
        select(
            people.c.person_id,
            name.label("name"),
            Person.name.label("raw_name"),
            Person.given_name,
            Person.family_name,
            students.c.person_id.is_not(None).label("is_student"),
            stage.label("stage"),
            pp.waiting_since,
            _bucket(pp.average).label("band"),
            case((wanted, 1), else_=0).label("wanted"),
        )
        .select_from(people)
        .join(Person, Person.id == people.c.person_id)
        .outerjoin(students, students.c.person_id == people.c.person_id)
        .outerjoin(per_person, pp.person_id == people.c.person_id)
        # Read twice (the counts, the page): made once.
        .cte("line")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _page_and_counts(line: Any, page: int) -> list[Any]:
    """One statement: the class's counts per stage and chart band and how many students the
    listing wants, joined to the page of them (one row of counts alone when the page is empty).
    Plain aggregates, not window sums: those spool every row of a big class."""
    c = line.c

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    totals = select(
        *(count_of(c.stage == key).label(f"s_{key}") for key in STAGES),
        *(count_of(c.band == i).label(f"b_{i}") for i in range(len(charts.BUCKETS))),
        func.coalesce(func.sum(c.wanted), 0).label("matching"),
    ).subquery("totals")

    def order(t: Any) -> list[Any]:
        return [
            case((t.stage == "waiting", 0), else_=1),
            t.waiting_since.is_not(None),
            t.waiting_since,
            func.lower(t.name),
            t.person_id,
        ]

    shown = (
        select(line)
        .where(c.wanted == 1)
        .order_by(*order(c))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .subquery("shown")
    )
    return list(
        db.session.execute(
            select(totals, shown)
            .select_from(totals)
            .outerjoin(shown, literal(True))
            .order_by(*order(shown.c))
        )
    )


def _goal_lines(activity: Activity, person_ids: list[int]) -> dict[int, list[GoalLine]]:
    """The goals of the students on the page, oldest first, with their latest wording and
    (once reflected) outcome."""
    found: dict[int, list[GoalLine]] = {p: [] for p in person_ids}
    if not person_ids:
        return found
    g = _per_goal(activity, person_ids).subquery("g")
    for row in db.session.execute(select(g).order_by(g.c.goal_id)):
        found[row.person_id].append(
            GoalLine(
                id=row.goal_id,
                what="",
                status=row.status,
                version=row.number or 0,
                waiting_since=row.submitted_at,
                check_ins=row.check_ins or 0,
                last_check_in=row.last_at,
                progress=row.progress,
            )
        )
    _fill_words([line for lines in found.values() for line in lines])
    return found


def _fill_words(goal_lines: list[GoalLine]) -> None:
    """The latest wording and reflection outcome of the goals on the page."""
    goals = {g.id: g for g in goal_lines}
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
    by name, as overview.class_overview orders the export; counts and chart for everyone.

    Counted, filtered, sorted and paged in SQL: Python sees only the page's students."""
    listing = listing or Listing()
    line = _everyone(activity, listing)
    found = _page_and_counts(line, listing.page)
    first, matching = found[0], int(found[0].matching)
    pages = max(1, -(-matching // PAGE_SIZE))
    if listing.page > pages and matching:  # a page past the end shows the last one
        found = _page_and_counts(line, pages)
    listing = replace(listing, page=min(listing.page, pages))
    rows = [r for r in found if r.person_id is not None]
    goals = _goal_lines(activity, [r.person_id for r in rows])
    lines = [
        StudentLine(
            r.person_id,
            _name(r.raw_name, r.given_name, r.family_name) if r.is_student else _(LEFT_COURSE),
            goals[r.person_id],
        )
        for r in rows
    ]
    counts = {key: int(getattr(first, f"s_{key}")) for key in STAGES}
    bands = [int(getattr(first, f"b_{i}")) for i in range(len(charts.BUCKETS))]
    return OverviewPage(
        listing=listing,
        lines=lines,
        counts=counts,
        bars=charts.bars_of(bands),
        matching=matching,
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
