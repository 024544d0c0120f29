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

from sqlalchemy import Select, and_, case, func, literal, or_, select

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
    "attention": "Needs attention in this phase",
    "not_submitted": "Not submitted",
    "late": "Submitted late",
    "outstanding": "Reviews outstanding",
    "no_reviews": "No reviews received yet",
    "unanswered": "Not responded to every review",
    "all": "Everyone",
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
    return name or " ".join(p for p in (given, family) if p) or "Anonymous user"


def _round_parts(activity_id: int, round_no: int) -> dict[str, Any]:
    """Per-round subqueries: submissions, outstanding reviews by reviewer, received reviews by
    submission, authors with a peer review they have not rated."""
    subs = (
        select(FeedbackSubmission.id, FeedbackSubmission.person_id, FeedbackSubmission.late)
        .where(FeedbackSubmission.activity_id == activity_id, FeedbackSubmission.round == round_no)
        .subquery("subs")
    )
    allocs = (
        select(
            FeedbackAllocation.reviewer_id,
            FeedbackAllocation.kind,
            subs.c.id.label("submission_id"),
            subs.c.person_id.label("author_id"),
            FeedbackReview.submitted_at,
            FeedbackReview.helpfulness,
        )
        .join(subs, subs.c.id == FeedbackAllocation.submission_id)
        .outerjoin(FeedbackReview, FeedbackReview.allocation_id == FeedbackAllocation.id)
        .where(FeedbackAllocation.activity_id == activity_id)
        .subquery("allocs")
    )
    outstanding = (
        select(allocs.c.reviewer_id, func.count().label("n"))
        .where(allocs.c.kind != "staff", allocs.c.submitted_at.is_(None))
        .group_by(allocs.c.reviewer_id)
        .subquery("outstanding")
    )
    received = (
        select(allocs.c.submission_id, func.count().label("n"))
        .where(allocs.c.submitted_at.is_not(None))
        .group_by(allocs.c.submission_id)
        .subquery("received")
    )
    unanswered = (
        select(allocs.c.author_id)
        .where(
            allocs.c.kind == "peer",
            allocs.c.submitted_at.is_not(None),
            allocs.c.helpfulness.is_(None),
        )
        .group_by(allocs.c.author_id)
        .subquery("unanswered")
    )
    return {
        "subs": subs,
        "outstanding": outstanding,
        "received": received,
        "unanswered": unanswered,
    }


def _conditions(parts: dict[str, Any], phase: str) -> dict[str, Any]:
    subs, out, rec, un = parts["subs"], parts["outstanding"], parts["received"], parts["unanswered"]
    conditions = {
        "not_submitted": subs.c.id.is_(None),
        "late": subs.c.late.is_(True),
        "outstanding": func.coalesce(out.c.n, 0) > 0,
        "no_reviews": and_(subs.c.id.is_not(None), func.coalesce(rec.c.n, 0) == 0),
        "unanswered": un.c.author_id.is_not(None),
        "all": literal(True),
    }
    # What the nudges named per phase (reports.progress): who holds the class up now.
    conditions["attention"] = {
        "submit": conditions["not_submitted"],
        "review": conditions["outstanding"],
        "respond": conditions["unanswered"],
    }.get(phase, conditions["not_submitted"])
    return conditions


def _students(activity: Activity, parts: dict[str, Any]) -> Select[Any]:
    subs, out, rec, un = parts["subs"], parts["outstanding"], parts["received"], parts["unanswered"]
    return (
        select()
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(subs, subs.c.person_id == Person.id)
        .outerjoin(out, out.c.reviewer_id == Person.id)
        .outerjoin(rec, rec.c.submission_id == subs.c.id)
        .outerjoin(un, un.c.author_id == Person.id)
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
    parts = _round_parts(activity.id, round_no)
    subs, out, rec, un = parts["subs"], parts["outstanding"], parts["received"], parts["unanswered"]
    conditions = _conditions(parts, phase)
    students = _students(activity, parts)

    # Students per filter, in one statement.
    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    count_row = db.session.execute(
        students.add_columns(*(counted(c).label(k) for k, c in conditions.items()))
    ).one()
    counts = {k: int(v) for k, v in count_row._mapping.items()}
    # The round's totals over everyone with a submission or a review (as reports.progress).
    submitted, late, unanswered_n, outstanding = db.session.execute(
        select(
            func.count(subs.c.id),
            func.coalesce(func.sum(case((subs.c.late.is_(True), 1), else_=0)), 0),
            select(func.count()).select_from(un).scalar_subquery(),
            select(func.coalesce(func.sum(out.c.n), 0)).scalar_subquery(),
        )
    ).one()

    listed = students.where(conditions[listing.show])
    if listing.query:
        listed = listed.where(_search(listing.query))
    matching = db.session.scalar(listed.add_columns(func.count())) or 0
    waiting = func.coalesce(out.c.n, 0)
    rows = [
        StudentRow(pid, _name(n, g, f), sid, bool(lt), int(o or 0), int(r or 0), u is not None)
        for pid, n, g, f, sid, lt, o, r, u in db.session.execute(
            listed.add_columns(
                Person.id,
                Person.name,
                Person.given_name,
                Person.family_name,
                subs.c.id,
                subs.c.late,
                out.c.n,
                rec.c.n,
                un.c.author_id,
            )  # fmt: skip
            .order_by(
                case((conditions["attention"], 0), else_=1),
                waiting.desc(),
                Person.name,
                Person.id,
            )
            .offset((listing.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ]
    progress = ClassProgress(
        round=round_no,
        phase=phase,
        students=counts["all"],
        submitted=int(submitted),
        late=int(late),
        outstanding=int(outstanding),
        responded=int(submitted) - int(unanswered_n),
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
    """Open contests, the oldest first, and how many there are."""
    total = func.count().over().label("total")
    rows = db.session.execute(
        select(
            FeedbackScore.id,
            FeedbackScore.override,
            FeedbackScore.computed,
            FeedbackScore.contest_comment,
            Person.name,
            Person.given_name,
            Person.family_name,
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
        }
        for sid, override, computed, comment, n, g, f, _ in rows
    ]
    return shown, (rows[0][-1] if rows else 0)
