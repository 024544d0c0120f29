"""When scores go to the LMS: as they change, or held until the facilitator releases them.

Peer-assessed work (feedback rounds) holds by default: a score that moves with every review
would reach students' gradebooks half-made. Goal setting and rubric co-creation score
completion, which students expect to see as they go; they send as scores change unless the
facilitator chooses otherwise. What a student sees of their own score follows the same choice
(`released_score`).

A release sends every held score of the activity (its newest value) and, in "hold" mode, the
next changes are held again until the next release: releasing after each round is how a
facilitator releases round by round.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.models import Activity, DeliveryStatus, OutboxScore, utcnow

LIVE = "live"
HOLD = "hold"
MODES = (LIVE, HOLD)


def mode_of(activity: Activity) -> str:
    if activity.grade_release in MODES:
        return activity.grade_release
    return default_mode(activity.kind)


def default_mode(kind: str) -> str:
    """What the kind does by default (`ActivityKind.holds_scores`, which the kind registry hands
    over as `coproduce.held_kinds`: grading does not import the activities above it)."""
    held_kinds: frozenset[str] = current_app.extensions.get("coproduce.held_kinds", frozenset())
    return HOLD if kind in held_kinds else LIVE


def held(activity: Activity) -> bool:
    return mode_of(activity) == HOLD


def held_count(activity: Activity) -> int:
    return len(
        list(
            db.session.scalars(
                select(OutboxScore.id).where(
                    OutboxScore.activity_id == activity.id,
                    OutboxScore.status == DeliveryStatus.HELD,
                )
            )
        )
    )


def release(activity: Activity, *, person_id: int | None = None) -> int:
    """Send every held score of the activity now (or only `person_id`'s); how many. In the
    caller's transaction."""
    now = utcnow()
    where = [OutboxScore.activity_id == activity.id, OutboxScore.status == DeliveryStatus.HELD]
    if person_id is not None:
        where.append(OutboxScore.person_id == person_id)
    db.session.flush()
    result = db.session.execute(
        update(OutboxScore)
        .where(*where)
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            released_score=OutboxScore.score_given,
            released_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if person_id is None:
        activity.grades_released_at = now
    from lti_tool.grading.line_items import fail_waiting_scores, line_item_of
    from lti_tool.models import LineItemState

    column = line_item_of(activity.id)
    if column is not None and column.state in (LineItemState.UNAVAILABLE, LineItemState.REFUSED):
        # Released into a column that cannot take them: they need attention, not a silent wait.
        fail_waiting_scores(
            activity.id,
            f"no gradebook column: {column.error or 'the course offers none'}",
            column.problem or "no_service",
            column.last_response,
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_mode(activity: Activity, mode: str) -> int:
    """Change how the activity's scores go out; switching to "live" releases what is held."""
    if mode not in MODES:
        raise ValueError(mode)
    activity.grade_release = mode
    return release(activity) if mode == LIVE else 0


def visible_score(activity: Activity, person_id: int) -> tuple[float | None, bool]:
    """(the score the student may see, whether a newer one waits for release)."""
    row = db.session.execute(
        select(OutboxScore.released_score, OutboxScore.status, OutboxScore.score_given).where(
            OutboxScore.activity_id == activity.id, OutboxScore.person_id == person_id
        )
    ).first()
    if row is None:
        return None, False
    released, status, current = row
    return released, status == DeliveryStatus.HELD and released != current
