"""Level descriptors: anyone drafts wording for a level of a selected criterion; the
facilitator accepts one per level, possibly edited. The draft stays as written, so an edit is
shown as an edit beside the original."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lti_tool.activities.rubrics.services import (
    MAX_TEXT,
    RubricError,
    clean_text,
    criterion_in,
    require_phase,
)
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Criterion, Level, LevelDraft, Person, RubricSetup, utcnow

MAX_LEVEL_TITLE = 80


def _selected(activity: Activity, criterion_id: int) -> Criterion:
    criterion = criterion_in(activity, criterion_id)
    if not criterion.selected:
        raise RubricError(
            "NOT_SELECTED", _l("That criterion was not selected for the rubric."), 409
        )
    return criterion


def _position(setup: RubricSetup, position: int) -> int:
    if not 0 <= position < len(setup.level_points):
        raise RubricError("BAD_LEVEL", _l("That level does not exist in this rubric."), 404)
    return position


def draft_level(
    activity: Activity,
    setup: RubricSetup,
    criterion_id: int,
    position: int,
    author: Person,
    title: str,
    description: str,
) -> LevelDraft:
    require_phase(activity, setup, "describe")
    criterion = _selected(activity, criterion_id)
    draft = LevelDraft(
        criterion_id=criterion.id,
        position=_position(setup, position),
        author_id=author.id,
        title=clean_text(title, _l("The level's name"), MAX_LEVEL_TITLE),
        description=clean_text(description, _l("The level's description"), MAX_TEXT),
    )
    db.session.add(draft)
    db.session.flush()
    record_event(
        author,
        "rubric.level_drafted",
        "rubric_level_draft",
        draft.id,
        activity=activity,
        criterion_id=criterion.id,
        position=position,
    )
    return draft


def accept_level(
    activity: Activity,
    setup: RubricSetup,
    criterion_id: int,
    position: int,
    draft_id: int | None,
    title: str,
    description: str,
    points: float,
    by: Person,
) -> Level:
    """Accept wording for one level (replacing an earlier acceptance); points must rise from
    level to level."""
    require_phase(activity, setup, "describe", "finalise")
    criterion = _selected(activity, criterion_id)
    _position(setup, position)
    draft = None
    if draft_id is not None:
        draft = db.session.get(LevelDraft, draft_id)
        if draft is None or draft.criterion_id != criterion.id or draft.position != position:
            raise RubricError("DRAFT_NOT_FOUND", _l("That draft is not for this level."), 404)
    if points < 0:
        raise RubricError("BAD_POINTS", _l("Points cannot be negative."))
    others = {lv.position: lv.points for lv in levels_of(criterion.id) if lv.position != position}
    below = [p for pos, p in others.items() if pos < position]
    above = [p for pos, p in others.items() if pos > position]
    if (below and points <= max(below)) or (above and points >= min(above)):
        raise RubricError(
            "POINTS_NOT_INCREASING",
            _l("Each level must be worth more points than the one below it."),
        )
    level = db.session.scalars(
        select(Level).where(Level.criterion_id == criterion.id, Level.position == position)
    ).first()
    before = None
    if level is None:
        level = Level(criterion_id=criterion.id, position=position)
        db.session.add(level)
    else:
        before = {"title": level.title, "description": level.description, "points": level.points}
    level.title = clean_text(title, _l("The level's name"), MAX_LEVEL_TITLE)
    level.description = clean_text(description, _l("The level's description"), MAX_TEXT)
    level.points = float(points)
    level.draft_id = draft.id if draft else None
    level.accepted_by_id = by.id
    level.accepted_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        # Unique (criterion, level): another facilitator accepted this level a moment ago.
        raise RubricError(
            "LEVEL_ACCEPTED_MEANWHILE",
            _l("Someone accepted this level a moment ago. Reload to see it."),
            409,
        ) from None
    edited = draft is not None and (
        draft.title != level.title or draft.description != level.description
    )
    record_event(
        by,
        "rubric.level_accepted",
        "rubric_level",
        level.id,
        activity=activity,
        criterion_id=criterion.id,
        position=position,
        draft_id=draft_id,
        edited=edited,
        before=before,
    )
    return level


def levels_of(criterion_id: int) -> list[Level]:
    return list(
        db.session.scalars(
            select(Level).where(Level.criterion_id == criterion_id).order_by(Level.position)
        )
    )


def drafts_of(criterion_id: int) -> list[LevelDraft]:
    return list(
        db.session.scalars(
            select(LevelDraft)
            .where(LevelDraft.criterion_id == criterion_id)
            .order_by(LevelDraft.position, LevelDraft.id)
        )
    )


def is_edit(level: Level) -> bool:
    return level.draft is not None and (
        level.draft.title != level.title or level.draft.description != level.description
    )


def drafts_by_criterion(activity: Activity) -> dict[int, list[LevelDraft]]:
    """Every draft of the activity with its author, by criterion, in two queries."""
    rows = db.session.scalars(
        select(LevelDraft)
        .join(Criterion, Criterion.id == LevelDraft.criterion_id)
        .where(Criterion.activity_id == activity.id)
        .order_by(LevelDraft.position, LevelDraft.id)
        .options(selectinload(LevelDraft.author))
    )
    found: dict[int, list[LevelDraft]] = {}
    for row in rows:
        found.setdefault(row.criterion_id, []).append(row)
    return found


def levels_by_criterion(activity: Activity) -> dict[int, dict[int, Level]]:
    """Every accepted level (with the draft it came from), by criterion and position."""
    rows = db.session.scalars(
        select(Level)
        .join(Criterion, Criterion.id == Level.criterion_id)
        .where(Criterion.activity_id == activity.id)
        .options(selectinload(Level.draft))
    )
    found: dict[int, dict[int, Level]] = {}
    for row in rows:
        found.setdefault(row.criterion_id, {})[row.position] = row
    return found
