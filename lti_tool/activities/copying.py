"""Course copy continuity: a copied course's link opens an activity made from last term's.

When a link launches with a history (`lti_tool.lti.history`), or its course was announced by an
`LtiContextCopyNotice` (`ContextOrigin`), the facilitator's set-up page offers the source
activities it names. Choosing one makes a new activity in this course from it: its settings,
its phase dates moved to the new term (the facilitator confirms or changes each), and whatever
templates its kind keeps (`ActivityKind.copy_from`: goal settings, the finalised rubric version
with its provenance, feedback criteria). Never the source's participants or their work.

Only a course of the same platform that this tool has seen can be a source; any other history
id is ignored with a log line (a course copied from another LMS, or from before the tool).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.kinds import kind_of
from lti_tool.activities.placement import ACTIVITY_ID_PARAM, PlacementError, placement_of
from lti_tool.activities.services import ActivityConfig, create_activity, lock_row
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.lti.claims import CUSTOM
from lti_tool.lti.history import History, history_of
from lti_tool.models import (
    Activity,
    ActivityCopy,
    Context,
    ContextOrigin,
    LinkHistory,
    Person,
    PlacedBy,
    Placement,
    ResourceLink,
    utcnow,
)

log = logging.getLogger(__name__)
MAX_SOURCES = 50


def record_history(
    link: ResourceLink, history: History, linked_activity_id: int | None = None
) -> None:
    """Keep what the link's latest launch said about where it came from (only for a link not
    set up yet: once it opens an activity, its history has done its work)."""
    row = db.session.scalars(
        select(LinkHistory).where(LinkHistory.resource_link_id == link.id)
    ).first()
    if not history and row is None:
        return
    if row is None:
        row = LinkHistory(resource_link_id=link.id, context_history=[], link_history=[])
        db.session.add(row)
    if (
        list(row.context_history or []) != list(history.contexts)
        or list(row.link_history or []) != list(history.links)
        or row.linked_activity_id != linked_activity_id
    ):
        row.context_history = list(history.contexts)
        row.link_history = list(history.links)
        row.linked_activity_id = linked_activity_id


def note_link_launch(link: ResourceLink, body: Mapping[str, Any]) -> None:
    """At a launch of a link not set up yet: keep its history for the set-up page."""
    custom = body.get(CUSTOM)
    value = custom.get(ACTIVITY_ID_PARAM) if isinstance(custom, Mapping) else None
    try:
        linked = int(str(value)) if value is not None else None
    except ValueError:
        linked = None
    history = history_of(body)
    # A plain link of a course never copied costs this launch nothing more (no query).
    if history or linked is not None:
        record_history(link, history, linked)


def _source_contexts(context: Context, history: LinkHistory | None) -> list[Context]:
    """The courses this one came from that the tool knows, most recent first: the launch's
    context history, then those a copy notice named."""
    ids = list(history.context_history if history else [])
    for origin in db.session.scalars(
        select(ContextOrigin.origin_context_id)
        .where(
            ContextOrigin.platform_id == context.platform_id,
            ContextOrigin.context_id == context.context_id,
        )
        .order_by(ContextOrigin.id.desc())
    ):
        if origin not in ids:
            ids.append(origin)
    if not ids:
        return []
    known = {
        c.context_id: c
        for c in db.session.scalars(
            select(Context).where(
                Context.platform_id == context.platform_id,
                Context.context_id.in_(ids[:1000]),
                Context.id != context.id,
            )
        )
    }
    for unknown in [i for i in ids if i not in known]:
        log.info(
            "course copy: history id %r of context %s ignored (no course of this platform "
            "with that id)",
            unknown[:80],
            context.id,
        )
    return [known[i] for i in ids if i in known]


@dataclass(frozen=True)
class Source:
    activity: Activity
    context: Context
    # True when the link's own history (or the id it carries) names this activity.
    same_link: bool


def sources_for(context: Context, link: ResourceLink) -> list[Source]:
    """The activities this link may be made from, the link's own first."""
    history = db.session.scalars(
        select(LinkHistory).where(LinkHistory.resource_link_id == link.id)
    ).first()
    contexts = _source_contexts(context, history)
    if not contexts:
        return []
    by_id = {c.id: c for c in contexts}
    order = {c.id: i for i, c in enumerate(contexts)}
    activities = list(
        db.session.scalars(
            select(Activity)
            .where(Activity.context_id.in_(list(by_id)))
            .order_by(Activity.id)
            .limit(MAX_SOURCES * 4)
        )
    )
    linked: set[int] = set()
    link_ids = list(history.link_history if history else [])
    if link_ids:
        for activity_id in db.session.scalars(
            select(Placement.activity_id)
            .join(ResourceLink, Placement.resource_link_id == ResourceLink.id)
            .where(
                ResourceLink.context_id.in_(list(by_id)),
                ResourceLink.resource_link_id.in_(link_ids[:1000]),
            )
        ):
            if activity_id is not None:
                linked.add(activity_id)
    # A deep-linked link carries its activity id; copied with the course, it names the source.
    if history is not None and history.linked_activity_id is not None:
        linked.add(history.linked_activity_id)
    sources = [
        Source(activity=a, context=by_id[a.context_id], same_link=a.id in linked)
        for a in activities
        if kind_of(a.kind) is not None
    ]
    sources.sort(key=lambda s: (not s.same_link, order[s.context.id], s.activity.id))
    return sources[:MAX_SOURCES]


def source_in(context: Context, link: ResourceLink, activity_id: int) -> Source:
    """The chosen source, only if it is one this link may be made from (ids in forms are
    never trusted alone)."""
    for source in sources_for(context, link):
        if source.activity.id == activity_id:
            return source
    raise PlacementError(
        "COPY_SOURCE_UNKNOWN",
        _l(
            "That activity is not one this course was copied from. Reload the page and choose "
            "again."
        ),
        404,
    )


def course_name(context: Context) -> str:
    """How the provenance names a course: "COPR-101 Fall 2026"."""
    label, title = (context.label or "").strip(), (context.title or "").strip()
    if label and title and label not in title:
        return f"{label} {title}"
    return title or label or str(_l("another course"))


def first_date(dates: dict[str, str]) -> date | None:
    days = []
    for value in dates.values():
        try:
            days.append(date.fromisoformat(value))
        except (TypeError, ValueError):
            continue
    return min(days) if days else None


def shift_dates(dates: dict[str, str], days: int) -> dict[str, str]:
    """Each ISO date moved by `days`; anything else kept as it was."""
    out = {}
    for key, value in dates.items():
        try:
            out[key] = (date.fromisoformat(value) + timedelta(days=days)).isoformat()
        except (TypeError, ValueError):
            out[key] = value
    return out


def source_dates(source: Activity) -> dict[str, str]:
    """The phase dates the source runs on, as its kind keeps them."""
    kind = kind_of(source.kind)
    return kind.phase_dates_of(source) if kind is not None else dict(source.phase_dates or {})


def proposed_shift(source: Activity, today: date) -> int:
    """Whole weeks that bring the source's first phase date to this week or later (so weekdays
    stay as they were); 0 when it has no dates or they are still ahead."""
    first = first_date(source_dates(source))
    if first is None or first >= today:
        return 0
    weeks = -(-(today - first).days // 7)
    return weeks * 7


def proposed_config(source: Activity, today: date) -> ActivityConfig:
    """What the set-up form shows for a copy: the source's configuration, dates moved on."""
    config = ActivityConfig.of(source)
    return ActivityConfig(
        kind=config.kind,
        title=config.title,
        instructions=config.instructions,
        points=config.points,
        phase_dates=shift_dates(source_dates(source), proposed_shift(source, today)),
    )


def copy_into_link(
    context: Context,
    link: ResourceLink,
    source: Source,
    config: ActivityConfig,
    *,
    by: Person,
) -> Activity:
    """The link's activity, made from `source` with the facilitator's confirmed `config` (the
    same kind; dates as confirmed). The kind copies its own templates, moved by as many days as
    the first phase date moved."""
    if config.kind != source.activity.kind:
        raise PlacementError(
            "COPY_KIND_CHANGED",
            _l(
                "A copied activity keeps its kind. To start something else, set the link up afresh."
            ),
            400,
        )
    kind = kind_of(config.kind)
    assert kind is not None  # parse_config checked it
    placement = placement_of(link)
    if placement is None:
        placement = Placement(resource_link_id=link.id)
        db.session.add(placement)
    lock_row(placement)
    if placement.activity_id is not None:
        raise PlacementError(None, _l("This link has already been set up."))
    old_first = first_date(source_dates(source.activity))
    new_first = first_date(config.phase_dates)
    shift = (new_first - old_first).days if old_first and new_first else 0
    activity = create_activity(
        context,
        config,
        created_by=by,
        placed_by=PlacedBy.FIRST_LAUNCH,
        launch_lineitem=placement.lineitem_url,
    )
    # Stored as written for the facilitator making the copy, in their language.
    provenance = str(_l("from %(course)s", course=course_name(source.context)))
    detail = kind.copy_from(source.activity, activity, shift_days=shift, provenance=provenance)
    if detail:
        provenance = f"{provenance}, {detail}"
    db.session.add(
        ActivityCopy(
            activity_id=activity.id,
            source_activity_id=source.activity.id,
            provenance=provenance[:500],
            shifted_days=shift,
            created_by_id=by.id,
        )
    )
    placement.activity_id = activity.id
    placement.bound_at = utcnow()
    record_event(
        by,
        "activity.copied",
        "activity",
        activity.id,
        activity=activity,
        source_activity_id=source.activity.id,
        provenance=provenance,
        shifted_days=shift,
    )
    return activity


def copy_of(activity: Activity) -> ActivityCopy | None:
    return db.session.scalars(
        select(ActivityCopy).where(ActivityCopy.activity_id == activity.id)
    ).first()


def copied_counterpart(source_activity_id: int, context_id: int) -> Activity | None:
    """This course's copy of another course's activity, if it has one (a feedback activity
    finds the copied rubric it should use)."""
    return db.session.scalars(
        select(Activity)
        .join(ActivityCopy, ActivityCopy.activity_id == Activity.id)
        .where(
            ActivityCopy.source_activity_id == source_activity_id,
            Activity.context_id == context_id,
        )
    ).first()
