"""Each graded activity's gradebook column (AGS line item): its state, and finding, creating or
updating it on the platform.

A column announced in a deep linking response is the platform's to create ("declared"): we only
look for it, by our `resourceId` or by the link, until the link has been launched at least once;
creating one too early would give the course two columns. A column for a link set up on first
launch is the launch's own `lineitem` when the platform sent one (Moodle does for a graded link),
else found or created by us.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.lti.ags import (
    SCOPE_LINEITEM,
    LineItemSpec,
    create_line_item,
    find_line_items,
    update_line_item,
)
from lti_tool.lti.services import PlatformClient, ServiceError
from lti_tool.models import (
    Activity,
    CourseServices,
    DeliveryStatus,
    LineItem,
    LineItemState,
    OutboxScore,
    PlacedBy,
    Placement,
    ResourceLink,
    utcnow,
)

log = logging.getLogger(__name__)


def spec_of(activity: Activity, resource_link_id: str | None = None) -> LineItemSpec:
    return LineItemSpec(
        label=activity.title,
        score_maximum=activity.points,
        resource_id=activity.resource_id,
        tag=activity.kind,
        resource_link_id=resource_link_id,
    )


def line_item_of(activity_id: int) -> LineItem | None:
    return db.session.scalars(select(LineItem).where(LineItem.activity_id == activity_id)).first()


def course_services(context_id: int) -> CourseServices | None:
    return db.session.scalars(
        select(CourseServices).where(CourseServices.context_id == context_id)
    ).first()


def start_line_item(
    activity: Activity, *, declared: bool, launch_lineitem: str | None = None
) -> LineItem:
    """The column record of a new activity, in the caller's transaction."""
    row = LineItem(activity_id=activity.id, next_attempt_at=utcnow())
    if not activity.graded:
        row.state = LineItemState.UNGRADED
    elif launch_lineitem:
        row.url, row.state = launch_lineitem, LineItemState.READY
    elif declared:
        row.state = LineItemState.DECLARED
    else:
        row.state = LineItemState.WANTED
    db.session.add(row)
    return row


def note_launch_lineitem(activity: Activity, url: str) -> None:
    """A launch of one of the activity's links named its line item: that is the column."""
    row = line_item_of(activity.id)
    if row is None or not activity.graded or row.url == url:
        return
    # The platform's own column for this link wins over one we found or made (AGS 2.0 3.2.1).
    row.url = url
    row.state = LineItemState.READY
    row.error = None
    row.next_attempt_at = utcnow()


def note_course_services(context_id: int) -> None:
    """The course now offers the line item service: columns given up for want of it are wanted
    again (scores waiting for them are retried by a facilitator or admin)."""
    db.session.execute(
        update(LineItem)
        .where(
            LineItem.state == LineItemState.UNAVAILABLE,
            LineItem.activity_id.in_(select(Activity.id).where(Activity.context_id == context_id)),
        )
        .values(state=LineItemState.WANTED, error=None, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def activity_changed(activity: Activity, *, column_changed: bool) -> None:
    """After a facilitator edited the activity: the column follows its title and points."""
    row = line_item_of(activity.id)
    if row is None:
        return
    if not activity.graded:
        row.state = LineItemState.UNGRADED
    elif row.state == LineItemState.UNGRADED:
        row.state = LineItemState.STALE if row.url else LineItemState.WANTED
    elif column_changed and row.url:
        row.state = LineItemState.STALE
    else:
        return
    row.next_attempt_at = utcnow()
    row.error = None


@dataclass(frozen=True)
class Links:
    """What the activity's LMS links tell us: their ids and the line items launches named."""

    resource_link_ids: tuple[str, ...]
    launch_lineitems: tuple[str, ...]


def links_of(activity_id: int) -> Links:
    rows = db.session.execute(
        select(ResourceLink.resource_link_id, Placement.lineitem_url)
        .join(Placement, Placement.resource_link_id == ResourceLink.id)
        .where(Placement.activity_id == activity_id)
        .order_by(Placement.id)
    ).all()
    return Links(
        resource_link_ids=tuple(r[0] for r in rows),
        launch_lineitems=tuple(r[1] for r in rows if r[1]),
    )


class Wait(Exception):
    """Not yet: try again later (the platform has not created a declared column yet)."""


class Unavailable(Exception):
    """The course offers no way to get a column; nothing to retry until a launch says so."""


def resolve(
    row: LineItem,
    activity: Activity,
    services: CourseServices | None,
    links: Links,
    client: PlatformClient | None,
) -> str:
    """Find, create or update the column on the platform; its URL. Raises Wait, Unavailable or
    ServiceError."""
    spec = spec_of(activity, links.resource_link_ids[0] if links.resource_link_ids else None)
    if row.state == LineItemState.STALE and row.url:
        if client is None or SCOPE_LINEITEM not in client.scopes:
            return row.url  # cannot update it; scores can still go to it
        try:
            return update_line_item(client, row.url, spec).url
        except ServiceError as exc:
            if exc.status != 404:
                raise
            log.info("line item %s of activity %s is gone; looking again", row.url, activity.id)
    if links.launch_lineitems:
        return links.launch_lineitems[0]
    # A deep-linked activity's link is created by the platform; until it has been launched, a
    # column we made would not be attached to it (and Canvas would make a second assignment).
    unlaunched_deep_link = activity.placed_by == PlacedBy.DEEP_LINK and not links.resource_link_ids
    lineitems_url = services.lineitems_url if services else None
    if not lineitems_url or client is None:
        if row.state == LineItemState.DECLARED or unlaunched_deep_link:
            raise Wait("waiting for the first launch of the placed link")
        raise Unavailable("the course does not offer the line item service (AGS)")
    found = find_line_items(client, lineitems_url, resource_id=activity.resource_id)
    if not found:
        for rlid in links.resource_link_ids:
            found = [
                li
                for li in find_line_items(client, lineitems_url, resource_link_id=rlid)
                if li.resource_id in (None, "", activity.resource_id)
            ]
            if found:
                break
    if found:
        return found[0].url
    if unlaunched_deep_link:
        raise Wait("waiting for the LMS to create the gradebook column")
    if SCOPE_LINEITEM not in client.scopes:
        raise Unavailable("the course lets the tool read but not create gradebook columns")
    return create_line_item(client, lineitems_url, spec).url


def fail_waiting_scores(activity_id: int, reason: str) -> None:
    """Scores that can never reach a column: failed, with the reason, for a person to retry."""
    db.session.execute(
        update(OutboxScore)
        .where(
            OutboxScore.activity_id == activity_id,
            OutboxScore.status == DeliveryStatus.PENDING,
            OutboxScore.claimed_by.is_(None),
        )
        .values(status=DeliveryStatus.FAILED, last_error=reason[:500])
        .execution_options(synchronize_session=False)
    )
