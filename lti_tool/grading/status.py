"""Where scores stand: per student of an activity (for its facilitators), per platform (for the
admin console's queue page), and putting failed or refused scores back in the queue.

Plain values in and out; callers commit. The console calls:

    queue_summary(platform_id: int | None) -> list[QueueSummary]
    stuck_scores(platform_id: int | None, limit: int = 100) -> list[StuckScore]
    retry_failed(platform_id: int | None, *, activity_id=None, person_id=None,
                 score_ids=None) -> int

`platform_id=None` means every platform (an installation-wide console account); a platform's
own administrator passes their platform's id and never sees or touches another's rows.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, func, literal, select, update

from lti_tool.extensions import db
from lti_tool.models import (
    Activity,
    Context,
    DeliveryStatus,
    LineItem,
    Membership,
    OutboxScore,
    Person,
    Platform,
    Role,
    RosterMember,
    utcnow,
)


class Delivery(enum.StrEnum):
    """What a facilitator reads about one student's score."""

    NONE = "none"  # no score yet
    HELD = "held"  # waits for the facilitator to release the activity's scores
    QUEUED = "queued"  # waiting for its first attempt (or for the gradebook column)
    RETRYING = "retrying"  # the platform failed; another attempt is scheduled
    DELIVERED = "delivered"
    REFUSED = "refused"  # refused for good by the platform (reason given)
    FAILED = "failed"  # gave up after the attempts allowed


def delivery_of(row: OutboxScore | None) -> Delivery:
    if row is None:
        return Delivery.NONE
    return _delivery(row.status, row.attempts)


def _delivery(status: str | None, attempts: int | None) -> Delivery:
    """delivery_of from plain columns (status None: no score row)."""
    if status is None:
        return Delivery.NONE
    if status == DeliveryStatus.HELD:
        return Delivery.HELD
    if status == DeliveryStatus.DELIVERED:
        return Delivery.DELIVERED
    if status == DeliveryStatus.REJECTED:
        return Delivery.REFUSED
    if status == DeliveryStatus.FAILED:
        return Delivery.FAILED
    return Delivery.RETRYING if (attempts or 0) > 0 else Delivery.QUEUED


@dataclass(frozen=True)
class StudentStatus:
    person_id: int
    name: str
    role: str
    launched_at: datetime | None  # None: never opened Coproduce from this course
    roster_status: str | None  # from the platform's roster (NRPS), when synced
    score_given: float | None
    delivery: Delivery
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    problem: str | None = None
    last_response: str | None = None
    automatic_score: float | None = None
    manual_score: float | None = None
    by_hand: bool = False

    @property
    def started(self) -> bool:
        return self.delivery != Delivery.NONE

    @property
    def needs_attention(self) -> bool:
        return self.delivery in (Delivery.FAILED, Delivery.REFUSED)


def class_status(activity: Activity) -> list[StudentStatus]:
    """Every student of the activity's course (launched or known from the roster) with their
    score's delivery, students who have not launched first."""
    rows = db.session.execute(
        select(Person, Membership, RosterMember.status, OutboxScore)
        .join(Membership, Membership.person_id == Person.id)
        .outerjoin(
            RosterMember,
            (RosterMember.person_id == Person.id)
            & (RosterMember.context_id == Membership.context_id),
        )
        .outerjoin(
            OutboxScore,
            (OutboxScore.person_id == Person.id) & (OutboxScore.activity_id == activity.id),
        )
        .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
    ).all()
    result = [
        StudentStatus(
            person_id=person.id,
            name=person.display_name,
            role=membership.role,
            launched_at=membership.last_launch_at,
            roster_status=roster_status,
            score_given=score.score_given if score else None,
            delivery=delivery_of(score),
            attempts=score.attempts if score else 0,
            last_error=score.last_error if score else None,
            delivered_at=score.delivered_at if score else None,
            next_attempt_at=score.next_attempt_at if score else None,
            problem=score.problem if score else None,
            last_response=score.last_response if score else None,
            automatic_score=score.automatic_score if score else None,
            manual_score=score.manual_score if score else None,
            by_hand=bool(score and score.manual_at is not None),
        )
        for person, membership, roster_status, score in rows
    ]
    result.sort(key=lambda s: (s.launched_at is not None, s.started, s.name.lower()))
    return result


PAGE_SIZE = 50
FILTERS = {
    "all": _l("Everyone"),
    "not_launched": _l("Not opened Coproduce yet"),
    "not_started": _l("Not started"),
    "attention": _l("Delivery needs attention"),
    "held": _l("Held for release"),
    "by_hand": _l("Scored by hand"),
}


@dataclass(frozen=True)
class Listing:
    """Which students the progress page lists: a filter, a name search, a page."""

    show: str = "all"
    query: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Listing:
        """From the query string; anything unreadable falls back to everyone, first page."""
        show = args.get("show") or "all"
        try:
            page = max(1, int(args.get("page") or 1))
        except ValueError:
            page = 1
        return cls(show if show in FILTERS else "all", (args.get("q") or "").strip()[:100], page)


@dataclass(frozen=True)
class StatusPage:
    listing: Listing
    students: list[StudentStatus]  # the page shown
    counts: dict[str, int]  # students per filter, the whole class
    matching: int
    pages: int


def _display_name() -> Any:
    """Person.display_name in SQL, to search and sort by."""
    parts = func.trim(
        func.coalesce(Person.given_name, "") + " " + func.coalesce(Person.family_name, "")
    )
    return func.coalesce(func.nullif(Person.name, ""), func.nullif(parts, ""), "Anonymous user")


def _name(name: str | None, given: str | None, family: str | None) -> str:
    """Person.display_name, from plain columns."""
    return name or " ".join(p for p in (given, family) if p) or "Anonymous user"


def class_status_page(activity: Activity, listing: Listing | None = None) -> StatusPage:
    """One page of class_status: the same students, order and figures, counted per filter,
    searched and paged in SQL from plain columns (a class of 5,000 loaded as ORM objects and
    rendered with a score form each was 650 ms and 4.6 MB)."""
    listing = listing or Listing()
    conditions: dict[str, Any] = {
        "all": literal(True),
        "not_launched": Membership.last_launch_at.is_(None),
        "not_started": OutboxScore.id.is_(None),
        "attention": OutboxScore.status.in_((DeliveryStatus.FAILED, DeliveryStatus.REJECTED)),
        "held": OutboxScore.status == DeliveryStatus.HELD,
        "by_hand": OutboxScore.manual_at.is_not(None),
    }
    name = _display_name()
    wanted = conditions[listing.show]
    if listing.query:
        wanted = and_(wanted, name.icontains(listing.query, autoescape=True))
    base = (
        select()
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(
            RosterMember,
            (RosterMember.person_id == Person.id)
            & (RosterMember.context_id == Membership.context_id),
        )
        .outerjoin(
            OutboxScore,
            (OutboxScore.person_id == Person.id) & (OutboxScore.activity_id == activity.id),
        )
        .where(Membership.context_id == activity.context_id, Membership.role == Role.STUDENT)
    )

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    totals = db.session.execute(
        base.add_columns(
            *(count_of(c).label(k) for k, c in conditions.items()),
            count_of(wanted).label("matching"),
        )
    ).one()
    counts = {k: int(getattr(totals, k)) for k in conditions}
    matching = int(totals.matching)
    pages = max(1, -(-matching // PAGE_SIZE))
    listing = replace(listing, page=min(listing.page, pages))
    rows = db.session.execute(
        base.add_columns(
            Person.id,
            Person.name,
            Person.given_name,
            Person.family_name,
            Membership.role,
            Membership.last_launch_at,
            RosterMember.status.label("roster_status"),
            OutboxScore.status,
            OutboxScore.score_given,
            OutboxScore.attempts,
            OutboxScore.last_error,
            OutboxScore.delivered_at,
            OutboxScore.next_attempt_at,
            OutboxScore.problem,
            OutboxScore.last_response,
            OutboxScore.automatic_score,
            OutboxScore.manual_score,
            OutboxScore.manual_at,
        )  # fmt: skip
        .where(wanted)
        # class_status's order: not launched first, then not started, then by name.
        .order_by(
            Membership.last_launch_at.is_not(None),
            OutboxScore.id.is_not(None),
            func.lower(name),
            Person.id,
        )
        .offset((listing.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    students = [
        StudentStatus(
            person_id=r.id,
            name=_name(r.name, r.given_name, r.family_name),
            role=r.role,
            launched_at=r.last_launch_at,
            roster_status=r.roster_status,
            score_given=r.score_given,
            delivery=_delivery(r.status, r.attempts),
            attempts=r.attempts or 0,
            last_error=r.last_error,
            delivered_at=r.delivered_at,
            next_attempt_at=r.next_attempt_at,
            problem=r.problem,
            last_response=r.last_response,
            automatic_score=r.automatic_score,
            manual_score=r.manual_score,
            by_hand=r.manual_at is not None,
        )
        for r in rows
    ]
    return StatusPage(listing, students, counts, matching, pages)


@dataclass(frozen=True)
class QueueSummary:
    platform_id: int
    platform_name: str
    queued: int
    retrying: int
    failed: int
    refused: int
    delivered: int
    oldest_waiting_since: datetime | None
    next_attempt_at: datetime | None


def queue_summary(platform_id: int | None) -> list[QueueSummary]:
    """Counts of the outbox per platform (only `platform_id`'s when given)."""
    pending = OutboxScore.status == DeliveryStatus.PENDING

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            Platform.id,
            Platform.name,
            count(pending & (OutboxScore.attempts == 0)),
            count(pending & (OutboxScore.attempts > 0)),
            count(OutboxScore.status == DeliveryStatus.FAILED),
            count(OutboxScore.status == DeliveryStatus.REJECTED),
            count(OutboxScore.status == DeliveryStatus.DELIVERED),
            func.min(case((pending, OutboxScore.updated_at))),
            func.min(case((pending, OutboxScore.next_attempt_at))),
        )
        .join(OutboxScore, OutboxScore.platform_id == Platform.id)
        .group_by(Platform.id, Platform.name)
        .order_by(Platform.name)
    )
    if platform_id is not None:
        query = query.where(Platform.id == platform_id)
    return [
        QueueSummary(
            platform_id=row[0],
            platform_name=row[1],
            queued=int(row[2] or 0),
            retrying=int(row[3] or 0),
            failed=int(row[4] or 0),
            refused=int(row[5] or 0),
            delivered=int(row[6] or 0),
            oldest_waiting_since=_aware(row[7]),
            next_attempt_at=_aware(row[8]),
        )
        for row in db.session.execute(query)
    ]


def _aware(value: datetime | str | None) -> datetime | None:
    # MIN() over a CASE loses the column type, so SQLite hands back text; normalise to UTC.
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class StuckScore:
    id: int
    platform_id: int
    course: str
    activity_id: int
    activity_title: str
    person_id: int
    person_name: str
    delivery: Delivery
    attempts: int
    last_error: str | None
    updated_at: datetime
    problem: str | None = None
    last_response: str | None = None

    @property
    def remedy(self):  # type: ignore[no-untyped-def]
        from lti_tool.grading.problems import remedy_of

        return remedy_of(self.problem)


def stuck_scores(platform_id: int | None, limit: int = 100) -> list[StuckScore]:
    """Scores that failed or were refused, newest first, and those retrying, for the console."""
    query = (
        select(OutboxScore, Context, Activity, Person)
        .join(Context, Context.id == OutboxScore.context_id)
        .join(Activity, Activity.id == OutboxScore.activity_id)
        .join(Person, Person.id == OutboxScore.person_id)
        .where(
            (OutboxScore.status.in_((DeliveryStatus.FAILED, DeliveryStatus.REJECTED)))
            | ((OutboxScore.status == DeliveryStatus.PENDING) & (OutboxScore.attempts > 0))
        )
        .order_by(OutboxScore.updated_at.desc())
        .limit(limit)
    )
    if platform_id is not None:
        query = query.where(OutboxScore.platform_id == platform_id)
    return [
        StuckScore(
            id=row.id,
            platform_id=row.platform_id,
            course=context.display_name,
            activity_id=activity.id,
            activity_title=activity.title,
            person_id=person.id,
            person_name=person.display_name,
            delivery=delivery_of(row),
            attempts=row.attempts,
            last_error=row.last_error,
            updated_at=row.updated_at,
            problem=row.problem,
            last_response=row.last_response,
        )
        for row, context, activity, person in db.session.execute(query)
    ]


def retry_failed(
    platform_id: int | None,
    *,
    activity_id: int | None = None,
    person_id: int | None = None,
    score_ids: Sequence[int] | None = None,
) -> int:
    """Put failed and refused scores back in the queue, due now, with a fresh attempt budget;
    the number of scores. Their gradebook column, if it was given up, is looked for again."""
    where: list[ColumnElement[bool]] = [
        OutboxScore.status.in_((DeliveryStatus.FAILED, DeliveryStatus.REJECTED))
    ]
    if platform_id is not None:
        where.append(OutboxScore.platform_id == platform_id)
    if activity_id is not None:
        where.append(OutboxScore.activity_id == activity_id)
    if person_id is not None:
        where.append(OutboxScore.person_id == person_id)
    if score_ids is not None:
        where.append(OutboxScore.id.in_(list(score_ids)))
    now = utcnow()
    activity_ids = set(db.session.scalars(select(OutboxScore.activity_id).where(*where)))
    if activity_id is not None and person_id is None:
        activity_ids.add(activity_id)  # its column too, even with no failed score waiting
    result = db.session.execute(
        update(OutboxScore)
        .where(*where)
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            problem=None,
        )
        .execution_options(synchronize_session=False)
    )
    if activity_ids:
        from lti_tool.models import LineItemState

        db.session.execute(
            update(LineItem)
            .where(
                LineItem.activity_id.in_(activity_ids),
                LineItem.state.in_((LineItemState.UNAVAILABLE, LineItemState.REFUSED)),
            )
            .values(
                state=case(
                    (LineItem.url.is_not(None), LineItemState.STALE), else_=LineItemState.WANTED
                ),
                attempts=0,
                next_attempt_at=now,
                problem=None,
            )
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
