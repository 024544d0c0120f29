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
from dataclasses import dataclass, replace
from datetime import timedelta

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


def spec_of(
    activity: Activity, resource_link_id: str | None = None, review_url: str | None = None
) -> LineItemSpec:
    return LineItemSpec(
        label=activity.title,
        score_maximum=activity.points,
        resource_id=activity.resource_id,
        tag=activity.kind,
        resource_link_id=resource_link_id,
        review_url=review_url,
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


def activity_changed(
    activity: Activity, *, column_changed: bool, old_points: float | None = None
) -> int:
    """After a facilitator edited the activity: the column follows its title and points, and a
    new maximum re-sends every student's score rescaled to it (the newest value only, through
    the outbox; a platform left alone would keep the old scores against the new maximum, or
    rescale them its own way, as Moodle does). Returns how many scores were re-queued."""
    row = line_item_of(activity.id)
    if row is None:
        return 0
    moved = True
    if not activity.graded:
        row.state = LineItemState.UNGRADED
    elif row.state == LineItemState.UNGRADED:
        row.state = LineItemState.STALE if row.url else LineItemState.WANTED
    elif column_changed and row.url:
        row.state = LineItemState.STALE
    else:
        moved = False
    if moved:
        row.next_attempt_at = utcnow()
        row.error = None
    if old_points and activity.graded and old_points != activity.points:
        return _rescale_scores(activity, old_points)
    return 0


def _rescale_scores(activity: Activity, old_points: float) -> int:
    from lti_tool.grading.release import held

    now = utcnow()
    factor = activity.points / old_points
    rows = list(
        db.session.scalars(
            select(OutboxScore).where(OutboxScore.activity_id == activity.id).with_for_update()
            if db.session.get_bind().dialect.name == "postgresql"
            else select(OutboxScore).where(OutboxScore.activity_id == activity.id)
        )
    )
    hold = held(activity)

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value * factor, 2)

    for score in rows:
        score.score_given = scaled(score.score_given)
        score.automatic_score = scaled(score.automatic_score)
        score.manual_score = scaled(score.manual_score)
        score.score_maximum = activity.points
        # The student already saw the old value as a share of the old maximum: the same share.
        score.released_score = scaled(score.released_score)
        if score.status != DeliveryStatus.HELD:
            score.status = DeliveryStatus.PENDING
        score.attempts = 0
        score.next_attempt_at = now
        score.last_error = None
        score.problem = None
        score.score_timestamp = max(now, score.score_timestamp + timedelta(microseconds=1))
        score.version = OutboxScore.version + 1
        if score.submission:
            score.submission = {**score.submission, "new": False}
    if hold:
        log.info("activity %s: %s rescaled scores (held)", activity.id, len(rows))
    return len(rows)


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
    *,
    product_family: str = "unknown",
    review_url: str | None = None,
) -> str:
    """Find, create or update the column on the platform; its URL. Raises Wait, Unavailable or
    ServiceError."""
    canvas = product_family == "canvas"
    # Canvas: a line item created with `resourceLinkId` must name an assignment's link (canvas-lms
    # app/controllers/lti/ims/line_items_controller.rb, verify_valid_resource_link: an unknown
    # link is 404, a link with no line item — a module item — 412). An assignment's launch
    # always names its line item, so a Canvas link without one is not an assignment: the column
    # is created without a `resourceLinkId` (Canvas makes an assignment for it) and found again
    # by our `resourceId` and `tag`. Canvas ignores `submissionReview`; SpeedGrader shows the
    # submission the score carries instead.
    rlid = links.resource_link_ids[0] if links.resource_link_ids and not canvas else None
    spec = spec_of(activity, rlid, None if canvas else review_url)
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
    try:
        return create_line_item(client, lineitems_url, spec).url
    except ServiceError as exc:
        if not spec.resource_link_id or exc.status not in (400, 404, 412, 422):
            raise
        # A platform that refuses our link id for a column (as Canvas does for a non-assignment
        # link): a column of the tool's own, bound back by resourceId and tag.
        log.info("activity %s: column refused with link id (%s); without it", activity.id, exc)
        return create_line_item(client, lineitems_url, replace(spec, resource_link_id=None)).url


def fail_waiting_scores(
    activity_id: int, reason: str, problem: str | None = None, response: str | None = None
) -> int:
    """Scores that can never reach a column: failed, with the reason, for a person to retry."""
    result = db.session.execute(
        update(OutboxScore)
        .where(
            OutboxScore.activity_id == activity_id,
            OutboxScore.status == DeliveryStatus.PENDING,
            OutboxScore.claimed_by.is_(None),
        )
        .values(
            status=DeliveryStatus.FAILED,
            last_error=reason[:500],
            problem=problem,
            last_response=response[:500] if response else None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def column_gone(activity_id: int, reason: str, response: str | None = None) -> None:
    """A score post found the column deleted on the platform: find or make it again. Its
    scores stop being claimed until then (their column is not usable) and wait for it."""
    db.session.execute(
        update(LineItem)
        .where(LineItem.activity_id == activity_id, LineItem.state != LineItemState.UNGRADED)
        .values(
            url=None,
            state=LineItemState.WANTED,
            error=reason[:500],
            problem="column_gone",
            last_response=response[:500] if response else None,
            next_attempt_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
