"""Recording a score: the one way any code changes a score that goes to the LMS gradebook.

`record_score` writes the outbox row (and the artifact) in the caller's transaction; the caller
commits and then calls `grading.kick()`. Nothing is sent from here, so a score change and its
delivery can never disagree, whatever fails afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import flag_modified

from lti_tool.extensions import db
from lti_tool.grading.lms_text import plain_text, submission_html
from lti_tool.lti.ags import ACTIVITY_PROGRESS, GRADING_PROGRESS, iso_timestamp
from lti_tool.models import (
    Activity,
    Artifact,
    DeliveryStatus,
    LineItem,
    LineItemState,
    Membership,
    OutboxScore,
    Person,
    Role,
    utcnow,
)
from lti_tool.wording import number

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
    # The student's work became a new version (a plan submitted for agreement, a submission or
    # a revision): on Canvas this score opens a submission attempt; nothing else does.
    new_work: bool = False
    # Or: the identity of the work this score is about (e.g. the submitted versions of a goal
    # plan); the score is new work when it differs from the one last recorded.
    work: str | None = None
    # A facilitator's hand score: sticky, automatic rescoring never replaces it.
    by_hand: bool = False


def artifact_url(tool_base_url: str, activity_id: int, person_id: int) -> str:
    """The artifact inside the tool, for someone who launched it (the progress pages)."""
    return f"{tool_base_url}/artifacts/{activity_id}/{person_id}"


def compose_comment(comment: str | None, artifact: Artifact | None, url: str) -> str | None:
    """The score's comment: the grader's words, then the artifact's summary and a link that
    opens it from the LMS's gradebook (grading.artifact_links), so every platform shows where
    the work is (not only those that take submissions)."""
    parts = [comment.strip()] if comment and comment.strip() else []
    if artifact is not None:
        summary = artifact.summary.strip()
        parts.append(
            (summary + "\n" if summary else "") + str(_l("See the work: %(url)s", url=url))
        )
    return plain_text("\n\n".join(parts)) or None


def _comment_for_the_lms(
    activity: Activity, comment: str | None, artifact: Artifact | None, url: str
) -> str | None:
    """The comment in the platform's language: the course's teacher reads it in the gradebook,
    whoever's request (or job) made the score."""
    from lti_tool.grading.lms_text import lms_language, speaking

    with speaking(lms_language(activity)):
        return compose_comment(comment, artifact, url)


def _validate(activity: Activity, person: Person, change: ScoreChange) -> None:
    if not activity.graded:
        raise ScoreError(_l("This activity is not graded (it has no points)."))
    if person.platform_id != activity.context.platform_id:
        raise ScoreError(_l("That person is not in this course."))
    if change.score_given is not None and not 0 <= change.score_given <= activity.points:
        raise ScoreError(_l("A score must be between 0 and %(max)s.", max=number(activity.points)))
    if change.activity_progress not in ACTIVITY_PROGRESS:
        raise ScoreError(
            _l("Unknown activity progress “%(value)s”.", value=change.activity_progress)
        )
    if change.grading_progress not in GRADING_PROGRESS:
        raise ScoreError(_l("Unknown grading progress “%(value)s”.", value=change.grading_progress))


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


def _submission(content: ArtifactContent, url: str, *, new: bool) -> dict[str, object]:
    text = content.body.strip()
    if text and len(text) <= MAX_TEXT_SUBMISSION:
        kind, data = "online_text_entry", submission_html(text)
    else:
        kind, data = "online_url", url
    return {
        "submission_type": kind,
        "submission_data": data,
        "submitted_at": iso_timestamp(utcnow()),
        "new": new,
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
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _same(row: OutboxScore, values: dict[str, Any], submission: dict[str, Any] | None) -> bool:
    """Nothing the LMS would see changed (then no new version is sent)."""
    keys = ("score_given", "activity_progress", "grading_progress", "comment")
    return all(getattr(row, k) == values[k] for k in keys) and (
        (row.submission or {}).get("submission_data") == (submission or {}).get("submission_data")
        and not (submission or {}).get("new")
    )


def record_score(
    activity: Activity, person: Person, change: ScoreChange, *, tool_base_url: str
) -> OutboxScore:
    """Record the newest score of `person` in `activity` for delivery, in the caller's
    transaction. An undelivered older score of theirs is replaced, never sent after it.

    A facilitator's hand score (`by_hand`) is sticky: later automatic scores are kept as the
    automatic value, shown beside it, but the hand score is what goes to the LMS until the
    facilitator returns to the automatic one (`return_to_automatic`). In an activity whose
    grades are held (grading.release), the row waits as HELD until the facilitator releases."""
    _validate(activity, person, change)
    from lti_tool.grading.artifact_links import gradebook_link
    from lti_tool.grading.line_items import line_item_of
    from lti_tool.grading.release import held

    if change.by_hand and not _is_student(activity, person):
        raise ScoreError(_l("Only students of this course can be given a score."))
    artifact = None
    if change.artifact is not None:
        artifact = _save_artifact(activity, person, change.artifact)
        db.session.flush()
    else:
        artifact = db.session.scalars(
            select(Artifact).where(
                Artifact.activity_id == activity.id, Artifact.person_id == person.id
            )
        ).first()
    url = gradebook_link(artifact, tool_base_url) if artifact is not None else ""
    now = utcnow()
    hold = held(activity)
    column = line_item_of(activity.id)

    first = _values(None, activity, change, artifact, url, now, hold, column)
    # INSERT … ON CONFLICT DO NOTHING first: the first score of a person needs nothing else, and
    # for a later one the statement takes SQLite's write lock (PostgreSQL: the row lock below)
    # before the row is read, so a worker recording an outcome cannot slip in between our read
    # and our write.
    inserted = db.session.scalar(
        _insert_ignoring_conflict(OutboxScore)
        .values(
            platform_id=person.platform_id,
            context_id=activity.context_id,
            activity_id=activity.id,
            person_id=person.id,
            score_timestamp=now,
            submission=first.submission,
            version=1,
            delivered_version=0,
            created_at=now,
            updated_at=now,
            **first.values,
        )
        .returning(OutboxScore.id)
    )
    row = _existing_row(activity.id, person.id)
    assert row is not None
    if inserted is not None:  # ours is the first score: nothing to supersede
        return row

    made = _values(row, activity, change, artifact, url, now, hold, column)
    if _same(row, made.values, made.submission) and row.status not in (
        DeliveryStatus.FAILED,
        DeliveryStatus.REJECTED,
    ):
        # Only the automatic value moved under a hand score, or nothing at all: keep it, send
        # nothing new.
        row.automatic_score = made.values["automatic_score"]
        row.automatic_comment = made.values["automatic_comment"]
        return row
    if row.status == DeliveryStatus.HELD and made.values["status"] == DeliveryStatus.PENDING:
        made.values["released_score"] = made.values["score_given"]
    for key, value in made.values.items():
        setattr(row, key, value)
        # Written even when the value looks unchanged: the row as read may be older than the
        # database's (SQLite: read before the lock), and a stale "pending" must still be sent.
        flag_modified(row, key)
    row.submission = made.submission
    row.score_timestamp = max(now, row.score_timestamp + ONE_MICROSECOND)
    row.version = OutboxScore.version + 1  # in SQL: safe against a concurrent bump
    return row


@dataclass
class _Made:
    values: dict[str, Any]
    submission: dict[str, Any] | None


def _values(
    row: OutboxScore | None,
    activity: Activity,
    change: ScoreChange,
    artifact: Artifact | None,
    url: str,
    now: datetime,
    hold: bool,
    column: LineItem | None,
) -> _Made:
    """The row's new values, given what it holds now (None: no score yet)."""
    automatic = (change.score_given, change.comment)
    manual: tuple[float | None, str | None] | None = None
    if change.by_hand:
        manual = automatic
        automatic = (row.automatic_score, row.automatic_comment) if row else (None, None)
    elif row is not None and row.manual_at is not None:
        manual = (row.manual_score, row.manual_comment)
    given, comment = manual if manual is not None else automatic

    previous_work = (row.submission or {}).get("work") if row is not None else None
    new = change.new_work or (change.work is not None and change.work != previous_work)
    if (
        not new
        and row is not None
        and row.delivered_version < row.version
        and row.claimed_by is None
        and row.submission
        and row.submission.get("new")
    ):
        # The older score's new work never reached the LMS: this one carries it.
        new = True
    submission = None
    if change.artifact is not None:
        submission = _submission(change.artifact, url, new=new)
    elif row is not None and row.submission:
        submission = {**row.submission, "new": new}
    if submission is not None:
        submission["work"] = change.work if change.work is not None else previous_work

    status = DeliveryStatus.HELD if hold else DeliveryStatus.PENDING
    values: dict[str, Any] = {
        "score_given": given,
        "score_maximum": activity.points,
        "activity_progress": change.activity_progress,
        "grading_progress": "FullyGraded" if manual is not None else change.grading_progress,
        "comment": _comment_for_the_lms(activity, comment, artifact, url),
        "status": status,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "problem": None,
        "last_response": None,
        "automatic_score": automatic[0],
        "automatic_comment": automatic[1],
    }
    if change.by_hand:
        values.update(manual_score=given, manual_comment=comment, manual_at=now)
    if status == DeliveryStatus.PENDING:
        values.update(released_score=given, released_at=now)
    if column is not None and column.state in (LineItemState.UNAVAILABLE, LineItemState.REFUSED):
        values["status"] = DeliveryStatus.FAILED
        values["last_error"] = column.error or "the course offers no gradebook column service"
        values["problem"] = column.problem or "no_service"
    return _Made(values, submission)


def return_to_automatic(activity: Activity, person: Person, *, tool_base_url: str) -> OutboxScore:
    """Drop the facilitator's hand score: the automatic value goes to the LMS again."""
    row = _existing_row(activity.id, person.id)
    if row is None or row.manual_at is None:
        raise ScoreError(_l("This student has no hand score to drop."))
    automatic = ScoreChange(
        row.automatic_score,
        activity_progress=row.activity_progress,
        grading_progress="FullyGraded" if row.automatic_score is not None else "Pending",
        comment=row.automatic_comment,
    )
    row.manual_at = None
    row.manual_score = None
    row.manual_comment = None
    return record_score(activity, person, automatic, tool_base_url=tool_base_url)


def _is_student(activity: Activity, person: Person) -> bool:
    role = db.session.scalars(
        select(Membership.role).where(
            Membership.person_id == person.id, Membership.context_id == activity.context_id
        )
    ).first()
    return role == Role.STUDENT
