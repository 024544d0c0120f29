"""Recording a score: the one way any code changes a score that goes to the LMS gradebook.

`record_score` writes the outbox row (and the artifact) in the caller's transaction; the caller
commits and then calls `grading.kick()`. Nothing is sent from here, so a score change and its
delivery can never disagree, whatever fails afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool.extensions import db
from lti_tool.grading.lms_text import plain_text, submission_html
from lti_tool.lti.ags import ACTIVITY_PROGRESS, GRADING_PROGRESS, iso_timestamp
from lti_tool.models import (
    Activity,
    Artifact,
    DeliveryStatus,
    LineItemState,
    OutboxScore,
    Person,
    utcnow,
)

# Canvas keeps a text-entry submission as the student's work; longer artifacts go as a link.
MAX_TEXT_SUBMISSION = 20_000
ONE_MICROSECOND = timedelta(microseconds=1)


class ScoreError(ValueError):
    """The score cannot be recorded; the message says why in a facilitator's words."""


@dataclass(frozen=True)
class ArtifactContent:
    title: str
    summary: str
    body: str = ""


@dataclass(frozen=True)
class ScoreChange:
    score_given: float | None
    activity_progress: str = "Completed"
    grading_progress: str = "FullyGraded"
    comment: str | None = None
    artifact: ArtifactContent | None = None


def artifact_url(tool_base_url: str, activity_id: int, person_id: int) -> str:
    return f"{tool_base_url}/artifacts/{activity_id}/{person_id}"


def compose_comment(comment: str | None, artifact: Artifact | None, url: str) -> str | None:
    """The score's comment: the grader's words, then the artifact's summary and its link, so
    every platform shows where the work is (not only those that take submissions)."""
    parts = [comment.strip()] if comment and comment.strip() else []
    if artifact is not None:
        summary = artifact.summary.strip()
        parts.append((summary + "\n" if summary else "") + f"See the work: {url}")
    return plain_text("\n\n".join(parts)) or None


def _validate(activity: Activity, person: Person, change: ScoreChange) -> None:
    if not activity.graded:
        raise ScoreError("This activity is not graded (it has no points).")
    if person.platform_id != activity.context.platform_id:
        raise ScoreError("That person is not in this course.")
    if change.score_given is not None and not 0 <= change.score_given <= activity.points:
        raise ScoreError(f"A score must be between 0 and {activity.points:g}.")
    if change.activity_progress not in ACTIVITY_PROGRESS:
        raise ScoreError(f"Unknown activity progress {change.activity_progress!r}.")
    if change.grading_progress not in GRADING_PROGRESS:
        raise ScoreError(f"Unknown grading progress {change.grading_progress!r}.")


def _save_artifact(activity: Activity, person: Person, content: ArtifactContent) -> Artifact:
    artifact = db.session.scalars(
        select(Artifact).where(Artifact.activity_id == activity.id, Artifact.person_id == person.id)
    ).first()
    if artifact is None:
        artifact = Artifact(activity_id=activity.id, person_id=person.id)
        db.session.add(artifact)
    artifact.title = content.title[:300]
    artifact.summary = content.summary[:1000]
    artifact.body = content.body
    return artifact


def _submission(content: ArtifactContent, url: str) -> dict[str, object]:
    text = content.body.strip()
    if text and len(text) <= MAX_TEXT_SUBMISSION:
        kind, data = "online_text_entry", submission_html(text)
    else:
        kind, data = "online_url", url
    return {
        "submission_type": kind,
        "submission_data": data,
        "submitted_at": iso_timestamp(utcnow()),
        "new": True,
    }


def _insert_ignoring_conflict(model: type[OutboxScore]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: the first score of a person in an activity, without a
    race between two transactions making the same row (no savepoint needed)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def _existing_row(activity_id: int, person_id: int) -> OutboxScore | None:
    query = select(OutboxScore).where(
        OutboxScore.activity_id == activity_id, OutboxScore.person_id == person_id
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Serialise with the worker recording an outcome and with another change to this score.
        query = query.with_for_update()
    return db.session.scalars(query).first()


def record_score(
    activity: Activity, person: Person, change: ScoreChange, *, tool_base_url: str
) -> OutboxScore:
    """Record the newest score of `person` in `activity` for delivery, in the caller's
    transaction. An undelivered older score of theirs is replaced, never sent after it."""
    _validate(activity, person, change)
    from lti_tool.grading.line_items import line_item_of

    url = artifact_url(tool_base_url, activity.id, person.id)
    artifact = None
    if change.artifact is not None:
        artifact = _save_artifact(activity, person, change.artifact)
    else:
        artifact = db.session.scalars(
            select(Artifact).where(
                Artifact.activity_id == activity.id, Artifact.person_id == person.id
            )
        ).first()
    submission = _submission(change.artifact, url) if change.artifact else None
    now = utcnow()
    values = {
        "score_given": change.score_given,
        "score_maximum": activity.points,
        "activity_progress": change.activity_progress,
        "grading_progress": change.grading_progress,
        "comment": compose_comment(change.comment, artifact, url),
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
    }
    column = line_item_of(activity.id)
    if column is not None and column.state == LineItemState.UNAVAILABLE:
        values["status"] = DeliveryStatus.FAILED
        values["last_error"] = column.error or "the course offers no gradebook column service"

    inserted = db.session.scalar(
        _insert_ignoring_conflict(OutboxScore)
        .values(
            platform_id=person.platform_id,
            context_id=activity.context_id,
            activity_id=activity.id,
            person_id=person.id,
            score_timestamp=now,
            submission=submission,
            version=1,
            delivered_version=0,
            created_at=now,
            updated_at=now,
            **values,
        )
        .returning(OutboxScore.id)
    )
    row = _existing_row(activity.id, person.id)
    assert row is not None
    if inserted is not None:  # ours is the first score: nothing to supersede
        return row

    undelivered = row.delivered_version < row.version
    if submission is None and undelivered and row.submission and row.submission.get("new"):
        # The newer score carries no new work, but the older one's work never reached the LMS.
        submission = row.submission
    for key, value in values.items():
        setattr(row, key, value)
    row.submission = submission
    row.score_timestamp = max(now, row.score_timestamp + ONE_MICROSECOND)
    row.version = OutboxScore.version + 1  # in SQL: safe against a concurrent bump
    return row
