"""Placement: how LMS links come to open activities.

At every launch, what it says about the course's services and its link is recorded (in the
launch's transaction). A deep linking launch opens a request the picker answers with a signed
response; a link placed that way carries our activity id as a custom parameter and is bound on
its first launch, but only to an activity of the same course (a copied course's links point at
the original course's activities, and must be set up again, not shared). A plain link is bound
when a facilitator sets it up on its first launch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lti_tool.activities.services import (
    ActivityConfig,
    activity_in_course,
    create_activity,
    lock_row,
)
from lti_tool.domain import DomainError
from lti_tool.extensions import db
from lti_tool.grading import line_items as columns
from lti_tool.lti.ags import AgsEndpoint
from lti_tool.lti.deep_linking import (
    DeepLinkSettings,
    resource_link_item,
    response_jwt,
)
from lti_tool.lti.nrps import NrpsEndpoint
from lti_tool.lti.registration_cache import CachedDeployment, CachedPlatform
from lti_tool.models import (
    Activity,
    Context,
    CourseServices,
    DeepLinkRequest,
    Deployment,
    Person,
    PlacedBy,
    Placement,
    Platform,
    ProductFamily,
    ResourceLink,
    utcnow,
)

ACTIVITY_ID_PARAM = "activity_id"


class PlacementError(DomainError):
    """The placement cannot be made; the message says why in a facilitator's words."""

    default_code = "PLACEMENT_REFUSED"
    default_status = 409


UNREAD: Any = object()  # the caller did not read the row: look it up


def record_course_services(
    context: Context,
    ags: AgsEndpoint | None,
    nrps: NrpsEndpoint | None,
    *,
    known: CourseServices | None = UNREAD,
) -> None:
    """Keep the course's AGS and NRPS endpoints as its latest launch named them. `known`: the
    row (or None: there is none) when a returning launch has read it already."""
    if ags is None and nrps is None:
        return
    row = (
        db.session.scalars(
            select(CourseServices).where(CourseServices.context_id == context.id)
        ).first()
        if known is UNREAD
        else known
    )
    if row is None:
        row = CourseServices(context_id=context.id, ags_scopes=[], nrps_versions=[])
        db.session.add(row)
    if ags is not None:
        gained_lineitems = ags.lineitems is not None and row.lineitems_url is None
        if row.lineitems_url != ags.lineitems or list(row.ags_scopes or []) != list(ags.scopes):
            row.lineitems_url = ags.lineitems
            row.ags_scopes = list(ags.scopes)
        if gained_lineitems:
            columns.note_course_services(context.id)
    if nrps is not None and (
        row.memberships_url != nrps.memberships_url
        or list(row.nrps_versions or []) != list(nrps.versions)
    ):
        row.memberships_url = nrps.memberships_url
        row.nrps_versions = list(nrps.versions)


def _custom_activity_id(custom: Any) -> int | None:
    if not isinstance(custom, dict):
        return None
    value = custom.get(ACTIVITY_ID_PARAM)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def bind(placement: Placement, activity: Activity) -> None:
    placement.activity_id = activity.id
    placement.bound_at = utcnow()
    if placement.lineitem_url:
        columns.note_launch_lineitem(activity, placement.lineitem_url)


def record_link_launch(
    context: Context,
    link: ResourceLink,
    *,
    lineitem_url: str | None,
    custom: Any,
    known: Placement | None = UNREAD,
) -> Placement:
    """The link's placement after this launch: bound to its activity when it can be. `known`:
    the placement (or None: there is none) when a returning launch has read it already."""
    placement = (
        db.session.scalars(select(Placement).where(Placement.resource_link_id == link.id)).first()
        if known is UNREAD
        else known
    )
    if placement is None:
        placement = Placement(resource_link_id=link.id)
        db.session.add(placement)
    if lineitem_url and placement.lineitem_url != lineitem_url:
        placement.lineitem_url = lineitem_url
        if placement.activity_id is not None:
            activity = db.session.get(Activity, placement.activity_id)
            if activity is not None:
                columns.note_launch_lineitem(activity, lineitem_url)
    if placement.activity_id is None:
        activity_id = _custom_activity_id(custom)
        activity = activity_in_course(activity_id, context.id) if activity_id else None
        if activity is not None:
            bind(placement, activity)
    db.session.flush()
    return placement


def placement_of(link: ResourceLink) -> Placement | None:
    return db.session.scalars(
        select(Placement).where(Placement.resource_link_id == link.id)
    ).first()


def activity_of(link: ResourceLink) -> Activity | None:
    placement = placement_of(link)
    if placement is None or placement.activity_id is None:
        return None
    return activity_in_course(placement.activity_id, link.context_id)


def set_up_link(
    context: Context, link: ResourceLink, config: ActivityConfig, *, by: Person
) -> Activity:
    """A facilitator's configuration for a plain link's first launch: the activity, bound."""
    placement = placement_of(link)
    if placement is None:
        placement = Placement(resource_link_id=link.id)
        db.session.add(placement)
    # Two set-up forms sent at once (a double click, two tabs) each made an activity and the
    # link kept one: the second now waits for the first and finds the link set up.
    lock_row(placement)
    if placement.activity_id is not None:
        raise PlacementError(None, _l("This link has already been set up."))
    activity = create_activity(
        context,
        config,
        created_by=by,
        placed_by=PlacedBy.FIRST_LAUNCH,
        launch_lineitem=placement.lineitem_url,
    )
    placement.activity_id = activity.id
    placement.bound_at = utcnow()
    return activity


# -- deep linking -------------------------------------------------------------------------


def open_deep_link_request(
    platform: CachedPlatform,
    deployment: CachedDeployment | Deployment,
    context: Context,
    person: Person,
    settings: DeepLinkSettings,
) -> DeepLinkRequest:
    request = DeepLinkRequest(
        platform_id=platform.id,
        deployment_id=deployment.id,
        context_id=context.id,
        person_id=person.id,
        return_url=settings.return_url,
        accept_types=list(settings.accept_types),
        accept_presentation_targets=list(settings.accept_presentation_targets),
        accept_multiple=settings.accept_multiple,
        accept_lineitem=settings.accept_lineitem,
        data=settings.data,
    )
    db.session.add(request)
    db.session.flush()
    return request


def deep_link_request_for(
    request_id: int, *, platform_id: int, context_id: int, person_id: int
) -> DeepLinkRequest | None:
    """The request, only if it belongs to this launch's platform, course and person."""
    return db.session.scalars(
        select(DeepLinkRequest).where(
            DeepLinkRequest.id == request_id,
            DeepLinkRequest.platform_id == platform_id,
            DeepLinkRequest.context_id == context_id,
            DeepLinkRequest.person_id == person_id,
        )
    ).first()


def accepts_activity_links(request: DeepLinkRequest) -> bool:
    return "ltiResourceLink" in (request.accept_types or [])


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str
    activity: Activity | None


def _summary(config: ActivityConfig) -> str | None:
    text = " ".join(config.instructions.split())
    return (text[:197] + "…") if len(text) > 200 else (text or None)


def answer_deep_link(
    request: DeepLinkRequest,
    config: ActivityConfig,
    *,
    by: Person,
    tool_base_url: str,
    keys_dir: Path,
) -> DeepLinkAnswer:
    """Create the activity and the signed response that places it in the LMS."""
    lock_row(request)  # one answer per request, however many times the form is sent
    if request.responded_at is not None:
        raise PlacementError(
            None, _l("This request has already been answered. Add the activity again.")
        )
    if not accepts_activity_links(request):
        raise PlacementError(None, _l("This place in the LMS does not take activity links."))
    context = db.session.get(Context, request.context_id)
    platform = db.session.get(Platform, request.platform_id)
    assert context is not None and platform is not None
    declare = config.points > 0 and request.accept_lineitem
    activity = create_activity(
        context, config, created_by=by, placed_by=PlacedBy.DEEP_LINK, column_declared=declare
    )
    item = resource_link_item(
        title=activity.title,
        text=_summary(config),
        url=tool_base_url + "/lti/launch",
        custom={ACTIVITY_ID_PARAM: str(activity.id)},
        # LTI Submission Review 1.0 §2.2: a deep-linked column carries submissionReview, so
        # Moodle's grader report opens the work by a launch. Canvas ignores it.
        line_item=columns.spec_of(
            activity,
            review_url=None
            if platform.product_family == ProductFamily.CANVAS
            else tool_base_url + "/lti/launch",
        )
        if declare
        else None,
        presentation_targets=request.accept_presentation_targets or [],
    )
    jwt = response_jwt(
        platform,
        request.deployment.deployment_id,
        request.data,
        [item],
        keys_dir=keys_dir,
        # Shown by the LMS to the instructor who is adding it: in the launch's language.
        msg=_("Added “%(title)s”.", title=activity.title),
    )
    request.responded_at = utcnow()
    request.activity_id = activity.id
    return DeepLinkAnswer(return_url=request.return_url, jwt=jwt, activity=activity)


def cancel_deep_link(request: DeepLinkRequest, *, keys_dir: Path) -> DeepLinkAnswer:
    """The response for "Cancel": no content items, an `errormsg` the LMS shows."""
    if request.responded_at is not None:
        raise PlacementError(None, _l("This request has already been answered."))
    platform = db.session.get(Platform, request.platform_id)
    assert platform is not None
    jwt = response_jwt(
        platform,
        request.deployment.deployment_id,
        request.data,
        [],
        keys_dir=keys_dir,
        errormsg=_("No activity was added: the instructor cancelled in Coproduce."),
    )
    request.responded_at = utcnow()
    return DeepLinkAnswer(return_url=request.return_url, jwt=jwt, activity=None)
