"""The facilitator's progress page at class scale: counts for the whole round, one page of the
students (searchable, filtered by what needs attention and sorted by it), the strongest reviewer
disagreements and the open contests, each read as plain columns and aggregates in SQL.

A fixed number of statements whatever the class size, and no ORM object per student: a
5,000-student round renders one page of 50 rows
(tests/activities/feedback/test_progress_queries.py).
The CSV export (reports.export_csv) still holds everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all

from lti_tool.activities.feedback.scoring import level_fraction
from lti_tool.activities.feedback.services import config_of, criteria_of
from lti_tool.extensions import db
from lti_tool.models import Activity, Membership, Person, Role
from lti_tool.models.feedback import (
    FeedbackAllocation,
    FeedbackComment,
    FeedbackReview,
    FeedbackScore,
    FeedbackSubmission,
)

# Reviewers disagree strongly when their levels span more than half the scale (reports.py).
DISAGREEMENT = 0.5
PAGE_SIZE = 50
SHOWN = 50  # disagreements and contests listed; the rest are counted
FILTERS = {
    "attention": _l("Needs attention in this phase"),
    "not_submitted": _l("Not submitted"),
    "late": _l("Submitted late"),
    "outstanding": _l("Reviews outstanding"),
    "no_reviews": _l("No reviews received yet"),
    "unanswered": _l("Not responded to every review"),
    "all": _l("Everyone"),
}


@dataclass(frozen=True)
class Listing:
    """Which students are listed: a filter, a name search, a page."""

    show: str = "attention"
    query: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Listing:
        """From the query string; anything unreadable falls back to the default."""
        show = args.get("show") or "attention"
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        return cls(
            show if show in FILTERS else "attention", (args.get("q") or "").strip()[:100], page
        )


@dataclass
class StudentRow:
    person_id: int
    name: str
    submission_id: int | None
    late: bool
    outstanding: int  # reviews this student was allocated and has not submitted
    received: int  # submitted reviews of this student's work
    unanswered: bool  # a peer review received that they have not rated


@dataclass
class ClassProgress:
    round: int
    phase: str
    students: int
    submitted: int
    late: int
    outstanding: int  # reviews outstanding, all reviewers
    responded: int  # authors who answered every review
    counts: dict[str, int]  # students per filter
    listing: Listing
    rows: list[StudentRow]
    matching: int
    pages: int
    disagreements: list[tuple[int, str, str, float]] = field(default_factory=list)
    disagreement_count: int = 0
    contested: list[dict[str, Any]] = field(default_factory=list)
    contested_count: int = 0


def _name(name: str | None, given: str | None, family: str | None) -> str:
    """Person.display_name, from plain columns."""
    return name or " ".join(p for p in (given, family) if p) or str(_l("Anonymous user"))


def _round_parts(activity_id: int, round_no: int) -> tuple[Any, Any]:
    """The round's submissions, and per person (as reviewer and as author): reviews
    outstanding, reviews received, whether a peer review received is still unrated.

    One pass over the round's allocations, materialised once (PostgreSQL would otherwise plan
    the grouped subqueries as nested loops on fresh statistics: 44 s for 1,000 students)."""
    subs = (
        select(FeedbackSubmission.id, FeedbackSubmission.person_id, FeedbackSubmission.late)
        .where(FeedbackSubmission.activity_id == activity_id, FeedbackSubmission.round == round_no)
        .cte("subs")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    submitted = FeedbackReview.submitted_at.is_not(None)

    def flag(condition: Any) -> Any:
        return case((condition, 1), else_=0)

    allocs = (
        select(FeedbackAllocation.reviewer_id, subs.c.person_id.label("author_id"))
        .add_columns(
            flag(and_(FeedbackAllocation.kind != "staff", ~submitted)).label("outstanding"),
            flag(submitted).label("received"),
            flag(
                and_(
                    FeedbackAllocation.kind == "peer",
                    submitted,
                    FeedbackReview.helpfulness.is_(None),
                )
            ).label("unrated"),
        )
        .join(subs, subs.c.id == FeedbackAllocation.submission_id)
        .outerjoin(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
        .where(FeedbackAllocation.activity_id == activity_id)
        .cte("allocs")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    zero = literal(0)
    both = union_all(
        select(
            allocs.c.reviewer_id.label("person_id"),
            allocs.c.outstanding,
            zero.label("received"),
            zero.label("unrated"),
        ),
        select(allocs.c.author_id, zero, allocs.c.received, allocs.c.unrated),
    ).subquery("both")
    per_person = (
        select(
            both.c.person_id,
            func.sum(both.c.outstanding).label("outstanding"),
            func.sum(both.c.received).label("received"),
            func.max(both.c.unrated).label("unanswered"),
        )
        .group_by(both.c.person_id)
        .cte("per_person")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return subs, per_person


def _conditions(subs: Any, pp: Any, phase: str) -> dict[str, Any]:
    conditions = {
        "not_submitted": subs.c.id.is_(None),
        "late": subs.c.late.is_(True),
        "outstanding": func.coalesce(pp.c.outstanding, 0) > 0,
        "no_reviews": and_(subs.c.id.is_not(None), func.coalesce(pp.c.received, 0) == 0),
        "unanswered": func.coalesce(pp.c.unanswered, 0) > 0,
        "all": literal(True),
    }
    # What the nudges named per phase (reports.progress): who holds the class up now.
    conditions["attention"] = {
        "submit": conditions["not_submitted"],
        "review": conditions["outstanding"],
        "respond": conditions["unanswered"],
    }.get(phase, conditions["not_submitted"])
    return conditions


def _students(activity: Activity, subs: Any, pp: Any) -> Select[Any]:
    return (
        select()
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(subs, subs.c.person_id == Person.id)
        .outerjoin(pp, pp.c.person_id == Person.id)
        .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
    )


def _search(query: str) -> Any:
    return or_(
        Person.name.icontains(query, autoescape=True),
        Person.given_name.icontains(query, autoescape=True),
        Person.family_name.icontains(query, autoescape=True),
    )


def class_progress(activity: Activity, listing: Listing | None = None) -> ClassProgress:
    """The current round's progress, with one page of students as `listing` asks."""
    listing = listing or Listing()
    config = config_of(activity)
    round_no, phase = config.current_round, config.current_phase
    subs, pp = _round_parts(activity.id, round_no)
    conditions = _conditions(subs, pp, phase)
    students = _students(activity, subs, pp)

    # One statement: every student once, the filters' counts and the round's totals as
    # window and scalar aggregates over them, then the page the listing asks for.
    def flag(condition: Any) -> Any:
        return case((condition, 1), else_=0)

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(flag(condition)), 0)

    outstanding = func.coalesce(pp.c.outstanding, 0)
    wanted = conditions[listing.show]
    if listing.query:
        wanted = and_(wanted, _search(listing.query))
    everyone = students.add_columns(
        Person.id.label("person_id"), Person.name, Person.given_name, Person.family_name,
        subs.c.id.label("submission_id"), subs.c.late, outstanding.label("outstanding"),
        pp.c.received, pp.c.unanswered,
        flag(wanted).label("wanted"),
        flag(conditions["attention"]).label("attention"),
        *(func.sum(flag(c)).over().label(f"n_{k}") for k, c in conditions.items()),
        select(func.count(subs.c.id)).scalar_subquery().label("t_submitted"),
        select(total(subs.c.late.is_(True))).scalar_subquery().label("t_late"),
        select(total(pp.c.unanswered > 0)).scalar_subquery().label("t_unanswered"),
        select(func.coalesce(func.sum(pp.c.outstanding), 0)).scalar_subquery()
        .label("t_outstanding"),
    ).subquery("everyone")  # fmt: skip
    e = everyone.c
    found = list(
        db.session.execute(
            select(everyone, func.count().over().label("matching"))
            .where(e.wanted == 1)
            .order_by(e.attention.desc(), e.outstanding.desc(), e.name, e.person_id)
            .offset((listing.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    # Nobody on this page (or no students): the counts alone, from the first student.
    sample = found or list(db.session.execute(select(everyone).limit(1)))
    first: dict[str, Any] = dict(sample[0]._mapping) if sample else {}
    values = {k: int(v or 0) for k, v in first.items() if k.startswith(("n_", "t_"))}
    counts = {k: values.get(f"n_{k}", 0) for k in conditions}
    rows = [
        StudentRow(
            r.person_id,
            _name(r.name, r.given_name, r.family_name),
            r.submission_id,
            bool(r.late),
            int(r.outstanding or 0),
            int(r.received or 0),
            bool(r.unanswered),
        )  # fmt: skip
        for r in found
    ]
    matching = int(found[0].matching) if found else 0
    progress = ClassProgress(
        round=round_no,
        phase=phase,
        students=counts["all"],
        submitted=values.get("t_submitted", 0),
        late=values.get("t_late", 0),
        outstanding=values.get("t_outstanding", 0),
        responded=values.get("t_submitted", 0) - values.get("t_unanswered", 0),
        counts=counts,
        listing=listing,
        rows=rows,
        matching=matching,
        pages=max(1, -(-matching // PAGE_SIZE)),
    )
    progress.disagreements, progress.disagreement_count = _disagreements(activity, round_no)
    progress.contested, progress.contested_count = _contested(activity)
    return progress


def _disagreements(
    activity: Activity, round_no: int
) -> tuple[list[tuple[int, str, str, float]], int]:
    """(submission id, author, criterion title, spread), the widest first, and how many there
    are: submissions whose peer reviewers' levels span more than half a criterion's scale."""
    criteria = [c for c in criteria_of(activity) if c.levels]
    if not criteria:
        return [], 0
    # A criterion's levels as fractions of its scale (scoring.level_fraction), mapped in SQL.
    fraction = case(
        *(
            (
                and_(FeedbackComment.criterion_id == c.id, FeedbackComment.level == i),
                level_fraction(c, i),
            )
            for c in criteria
            for i in range(len(c.levels))
        ),
        else_=None,
    )
    spread = (func.max(fraction) - func.min(fraction)).label("spread")
    groups = (
        select(FeedbackAllocation.submission_id, FeedbackComment.criterion_id, spread)
        .join(FeedbackReview, FeedbackReview.id == FeedbackComment.review_id)
        .join(FeedbackAllocation, FeedbackAllocation.id == FeedbackReview.allocation_id)
        .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
        .where(
            FeedbackComment.activity_id == activity.id,
            FeedbackReview.activity_id == activity.id,
            FeedbackAllocation.activity_id == activity.id,
            FeedbackSubmission.activity_id == activity.id,
            FeedbackSubmission.round == round_no,
            FeedbackAllocation.kind == "peer",
            FeedbackReview.submitted_at.is_not(None),
            FeedbackComment.level.is_not(None),
        )
        .group_by(FeedbackAllocation.submission_id, FeedbackComment.criterion_id)
        .having(func.count(fraction) >= 2, spread > DISAGREEMENT)
        .subquery("groups")
    )
    titles = {c.id: c.title for c in criteria}
    total = func.count().over().label("total")
    rows = db.session.execute(
        select(
            groups.c.submission_id,
            groups.c.criterion_id,
            groups.c.spread,
            Person.name,
            Person.given_name,
            Person.family_name,
            total,
        )  # fmt: skip
        .join(FeedbackSubmission, FeedbackSubmission.id == groups.c.submission_id)
        .join(Person, Person.id == FeedbackSubmission.person_id)
        .order_by(groups.c.spread.desc(), groups.c.submission_id, groups.c.criterion_id)
        .limit(SHOWN)
    ).all()
    shown = [(sid, _name(n, g, f), titles[cid], float(sp)) for sid, cid, sp, n, g, f, _ in rows]
    return shown, (rows[0][-1] if rows else 0)


def _contested(activity: Activity) -> tuple[list[dict[str, Any]], int]:
    """Open contests, the oldest first, and how many there are; each with the contesting
    student's latest work, so the facilitator reads the work and its reviews before deciding."""
    total = func.count().over().label("total")
    latest_work = (
        select(func.max(FeedbackSubmission.id))
        .where(
            FeedbackSubmission.activity_id == activity.id,
            FeedbackSubmission.person_id == FeedbackScore.person_id,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            FeedbackScore.id,
            FeedbackScore.override,
            FeedbackScore.computed,
            FeedbackScore.contest_comment,
            Person.name,
            Person.given_name,
            Person.family_name,
            latest_work.label("submission_id"),
            total,
        )  # fmt: skip
        .join(Person, Person.id == FeedbackScore.person_id)
        .where(FeedbackScore.activity_id == activity.id, FeedbackScore.contest_status == "open")
        .order_by(FeedbackScore.updated_at, FeedbackScore.id)
        .limit(SHOWN)
    ).all()
    shown = [
        {
            "id": sid,
            "final": override if override is not None else computed,
            "comment": comment,
            "name": _name(n, g, f),
            "submission_id": submission_id,
        }
        for sid, override, computed, comment, n, g, f, submission_id, _ in rows
    ]
    return shown, (rows[0][-1] if rows else 0)
