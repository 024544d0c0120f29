"""The outbox's rules: which rows are due, claiming them safely with several workers, and
recording each delivery's outcome.

Claiming: on PostgreSQL the due rows are picked with `SELECT … FOR UPDATE SKIP LOCKED`, so two
workers never wait on or pick the same rows; on every database the claim itself is a conditional
UPDATE (still unclaimed, or its lease ran out) that stamps a claim token and a lease, so it is
also safe between processes on SQLite. A worker killed mid-delivery loses nothing: its lease runs
out and another worker sends the row again, with the same timestamp, which platforms treat as the
same score.

Outcomes are single UPDATE statements guarded by the claim token, with the version check in
SQL: a newer score recorded while the older one was in flight stays pending and goes next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update

from lti_tool.extensions import db
from lti_tool.models import DeliveryStatus, LineItem, LineItemState, OutboxScore

MAX_RETRY_AFTER_SECONDS = 3600.0
CLAIM_TRIES = 4


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    cap_seconds: float

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Exponential backoff with "equal jitter" (half fixed, half random), so a platform coming
        back from an outage is not hit by every waiting score at the same instant. A Retry-After
        from the platform is a floor, whatever our own cap (up to an hour: a longer one is more
        likely a misconfigured platform than a real wait)."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        delay = raw / 2 + random.uniform(0, raw / 2)  # noqa: S311 - jitter, not security
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _free(model: type[OutboxScore] | type[LineItem], now: datetime):  # type: ignore[no-untyped-def]
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def claim_scores(claim: str, *, limit: int, lease: timedelta, now: datetime) -> list[OutboxScore]:
    """Claim up to `limit` due scores whose column is known; the rows, read in the claiming
    transaction, so their content is exactly the claimed version. The caller commits."""
    passed_over: list[int] = []
    for _ in range(CLAIM_TRIES):
        pick = (
            select(OutboxScore.id)
            .join(LineItem, LineItem.activity_id == OutboxScore.activity_id)
            .where(
                OutboxScore.status == DeliveryStatus.PENDING,
                OutboxScore.next_attempt_at <= now,
                _free(OutboxScore, now),
                LineItem.url.is_not(None),
                LineItem.state.in_((LineItemState.READY, LineItemState.STALE)),
                OutboxScore.id.not_in(passed_over),
            )
            .order_by(OutboxScore.next_attempt_at, OutboxScore.id)
            .limit(limit)
        )
        if _is_postgresql():
            pick = pick.with_for_update(of=OutboxScore, skip_locked=True)
        ids = list(db.session.scalars(pick))
        if not ids:
            break
        db.session.execute(
            update(OutboxScore)
            .where(
                OutboxScore.id.in_(ids),
                OutboxScore.status == DeliveryStatus.PENDING,
                _free(OutboxScore, now),
            )
            .values(
                claimed_by=claim, claimed_until=now + lease, claimed_version=OutboxScore.version
            )
            .execution_options(synchronize_session=False)
        )
        rows = list(
            db.session.scalars(
                select(OutboxScore)
                .where(OutboxScore.id.in_(ids), OutboxScore.claimed_by == claim)
                .execution_options(populate_existing=True)
            )
        )
        if rows:
            return rows
        # Another worker claimed these between our pick and our update (SQLite has no SKIP
        # LOCKED): look past them rather than conclude that nothing is due.
        passed_over.extend(ids)
        db.session.commit()
    db.session.rollback()
    return []


def _outcome(row_id: int, claim: str, **values: object) -> bool:
    result = db.session.execute(
        update(OutboxScore)
        .where(OutboxScore.id == row_id, OutboxScore.claimed_by == claim)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _newer_waiting():  # type: ignore[no-untyped-def]
    return OutboxScore.version != OutboxScore.claimed_version


def _held():  # type: ignore[no-untyped-def]
    # A newer score recorded while this one was in flight, in an activity whose grades are
    # held: it waits for the release, whatever happened to the one in flight.
    return OutboxScore.status == DeliveryStatus.HELD


def record_delivered(
    row_id: int, claim: str, *, status: int | None, now: datetime, response: str | None = None
) -> bool:
    newer = _newer_waiting()
    return _outcome(
        row_id,
        claim,
        delivered_version=OutboxScore.claimed_version,
        status=case(
            (_held(), DeliveryStatus.HELD),
            (newer, DeliveryStatus.PENDING),
            else_=DeliveryStatus.DELIVERED,
        ),
        delivered_at=now,
        next_attempt_at=now,
        attempts=case((newer, 0), else_=OutboxScore.attempts + 1),
        last_http_status=status,
        last_error=None,
        problem=None,
        last_response=response[:500] if response else None,
    )


def record_rejected(
    row_id: int,
    claim: str,
    *,
    status: int | None,
    reason: str,
    now: datetime,
    problem: str | None = None,
    response: str | None = None,
) -> bool:
    """Refused for good — unless a newer score came meanwhile, which may well be accepted."""
    newer = _newer_waiting()
    return _outcome(
        row_id,
        claim,
        status=case(
            (_held(), DeliveryStatus.HELD),
            (newer, DeliveryStatus.PENDING),
            else_=DeliveryStatus.REJECTED,
        ),
        next_attempt_at=now,
        attempts=case((newer, 0), else_=OutboxScore.attempts + 1),
        last_http_status=status,
        last_error=reason[:500],
        problem=problem,
        last_response=response[:500] if response else None,
    )


def record_retry(
    row_id: int,
    claim: str,
    *,
    status: int | None,
    reason: str,
    delay: float,
    max_attempts: int,
    now: datetime,
    problem: str | None = None,
    response: str | None = None,
    restamp: bool = False,
) -> bool:
    """Try again after `delay`, or give up once the attempts allowed are spent. With `restamp`
    the score goes again with a newer timestamp (the platform holds one at least as new)."""
    newer = _newer_waiting()
    gave_up = and_(~newer, OutboxScore.attempts + 1 >= max_attempts)
    values: dict[str, object] = {}
    if restamp:
        # Whole seconds: Moodle compares timestamps to the second (mod/lti/service/
        # gradebookservices/classes/local/resources/scores.php).
        values["score_timestamp"] = now + timedelta(seconds=1)
    return _outcome(
        row_id,
        claim,
        status=case(
            (_held(), DeliveryStatus.HELD),
            (gave_up, DeliveryStatus.FAILED),
            else_=DeliveryStatus.PENDING,
        ),
        next_attempt_at=case((newer, now), else_=now + timedelta(seconds=delay)),
        attempts=case((newer, 0), else_=OutboxScore.attempts + 1),
        last_http_status=status,
        last_error=case(
            (gave_up, "gave up after the attempts allowed: " + reason[:440]), else_=reason[:500]
        ),
        # Transient failures that never ended are "gave up"; a lasting cause keeps its name.
        problem=case((gave_up, "gave_up"), else_=problem) if problem == "unavailable" else problem,
        last_response=response[:500] if response else None,
        **values,
    )


def claim_line_items(claim: str, *, limit: int, lease: timedelta, now: datetime) -> list[int]:
    """Claim columns that need finding, creating or updating. Commits."""
    pick = (
        select(LineItem.id)
        .where(
            LineItem.state.in_((LineItemState.WANTED, LineItemState.DECLARED, LineItemState.STALE)),
            LineItem.next_attempt_at <= now,
            _free(LineItem, now),
        )
        .order_by(LineItem.next_attempt_at, LineItem.id)
        .limit(limit)
    )
    if _is_postgresql():
        pick = pick.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(pick))
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        update(LineItem)
        .where(LineItem.id.in_(ids), _free(LineItem, now))
        .values(claimed_by=claim, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(LineItem.id).where(LineItem.id.in_(ids), LineItem.claimed_by == claim)
        )
    )


def next_due(now: datetime) -> datetime | None:
    """When the next row or column a worker can claim becomes due (or a lease on one runs
    out), for a sleeping worker. Exactly the claim's conditions: a pending score whose column
    is not usable (still being made, backing off, refused, or the activity no longer graded)
    is no reason to wake up; its column's own due time is."""
    usable_column = (
        select(LineItem.activity_id)
        .where(
            LineItem.url.is_not(None),
            LineItem.state.in_((LineItemState.READY, LineItemState.STALE)),
        )
        .scalar_subquery()
    )
    claimable = and_(
        OutboxScore.status == DeliveryStatus.PENDING, OutboxScore.activity_id.in_(usable_column)
    )
    candidates = [
        db.session.scalar(
            select(func.min(case((_free(OutboxScore, now), OutboxScore.next_attempt_at)))).where(
                claimable
            )
        ),
        db.session.scalar(
            select(func.min(OutboxScore.claimed_until)).where(
                claimable, OutboxScore.claimed_until.is_not(None)
            )
        ),
        db.session.scalar(
            select(func.min(LineItem.next_attempt_at)).where(
                LineItem.state.in_(
                    (LineItemState.WANTED, LineItemState.DECLARED, LineItemState.STALE)
                ),
                _free(LineItem, now),
            )
        ),
        db.session.scalar(
            select(func.min(LineItem.claimed_until)).where(
                LineItem.state.in_(
                    (LineItemState.WANTED, LineItemState.DECLARED, LineItemState.STALE)
                ),
                LineItem.claimed_until.is_not(None),
            )
        ),
    ]
    found = [_aware(c) for c in candidates if c is not None]
    return min(found) if found else None


def _aware(value: datetime | str) -> datetime:
    # MIN() over a CASE loses the column type on SQLite (text comes back): normalise to UTC.
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
