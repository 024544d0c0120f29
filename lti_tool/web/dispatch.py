"""Where a launch lands, one handler per message type (architecture.md, "How a request
travels", step 2): deep linking → the placement picker; resource link → its activity, its set-up
for a facilitator when it has none yet, or the start page saying it is not set up; submission
review → the student's artifact. A launch from the course hub's menu entry lands on the hub.
Runs in the launch's transaction, before it commits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from lti_tool.activities import copying, notices, placement
from lti_tool.activities.kinds import kind_of
from lti_tool.auth.provisioning import LaunchIdentity
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.ags import AgsEndpoint
from lti_tool.lti.deep_linking import DeepLinkSettings
from lti_tool.lti.launch import VerifiedLaunch
from lti_tool.lti.nrps import NrpsEndpoint
from lti_tool.lti.registration import HUB_PATH, HUB_TARGET, HUB_TARGET_PARAMETER
from lti_tool.models import Activity, Context, Person, Placement, Role


@dataclass(frozen=True)
class Landing:
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)


START = Landing("start.home")
# The course hub: its own page decides who may see it (staff), so a student who reaches the
# course menu entry anyway is told so in words.
HUB = Landing("hub.page")


def land(verified: VerifiedLaunch, identity: LaunchIdentity) -> Landing:
    """Where this launch lands: the start page for a launch outside a course (or an
    installation admin's), else the handler of its message type."""
    context = identity.context
    if context is None:
        return START
    if wants_hub(verified.claims):
        # Before binding a link: the course menu's link opens no activity (Canvas names it
        # after the course), so it never becomes a placement waiting to be set up.
        return HUB
    if identity.role == Role.ADMIN:
        return START
    body = verified.claims
    services = identity.course_services
    placement.record_course_services(
        context,
        AgsEndpoint.from_claims(body),
        NrpsEndpoint.from_claims(body),
        known=services.row if services is not None else placement.UNREAD,
    )
    return HANDLERS[verified.message_type](verified, identity, context)


def wants_hub(body: Mapping[str, Any]) -> bool:
    """A resource link launch for the course hub: the custom parameter the hub's placement
    sets, or the hub as its target link URI."""
    if body.get(claims.MESSAGE_TYPE) != claims.RESOURCE_LINK_REQUEST:
        return False
    custom = body.get(claims.CUSTOM)
    if isinstance(custom, dict) and custom.get(HUB_TARGET_PARAMETER) == HUB_TARGET:
        return True
    target = body.get(claims.TARGET_LINK_URI)
    return isinstance(target, str) and urlsplit(target).path.rstrip("/") == HUB_PATH


def deep_linking(verified: VerifiedLaunch, identity: LaunchIdentity, context: Context) -> Landing:
    """LtiDeepLinkingRequest: an instructor picks an activity to place."""
    if identity.role != Role.FACILITATOR:
        return START  # the start page says only instructors add activities
    request = placement.open_deep_link_request(
        verified.platform,
        verified.deployment,
        context,
        identity.person,
        DeepLinkSettings.from_claims(verified.claims),
    )
    return Landing("activities.pick", {"request_id": request.id})


def resource_link(verified: VerifiedLaunch, identity: LaunchIdentity, context: Context) -> Landing:
    """LtiResourceLinkRequest: the link's activity; its set-up for a facilitator when it has
    none yet; else the start page saying it is not set up."""
    bound = _bind_link(verified, identity, context)
    if bound is None:
        return START
    if bound.activity_id is not None:
        if identity.role == Role.MENTOR:  # their mentees' work, never the kind's class pages
            return Landing("activities.show", {"activity_id": bound.activity_id})
        return Landing(_activity_page(bound.activity_id), {"activity_id": bound.activity_id})
    if identity.role == Role.FACILITATOR:
        return Landing("activities.setup")
    return START


def submission_review(
    verified: VerifiedLaunch, identity: LaunchIdentity, context: Context
) -> Landing:
    """LtiSubmissionReviewRequest (AGS 2.0 6.2): the student's artifact for this link."""
    bound = _bind_link(verified, identity, context)
    if bound is None:
        return START
    student = _person_of(verified.platform.id, verified.claims.get(claims.FOR_USER))
    if bound.activity_id is None or student is None:
        return START
    return Landing(
        "activities.artifact", {"activity_id": bound.activity_id, "person_id": student.id}
    )


Handler = Callable[[VerifiedLaunch, LaunchIdentity, Context], Landing]

# One handler per message type (lti.claims.SUPPORTED_MESSAGE_TYPES; verify_launch refuses
# any other type before this table is read).
HANDLERS: Mapping[str, Handler] = {
    claims.RESOURCE_LINK_REQUEST: resource_link,
    claims.DEEP_LINKING_REQUEST: deep_linking,
    claims.SUBMISSION_REVIEW_REQUEST: submission_review,
}


def _bind_link(
    verified: VerifiedLaunch, identity: LaunchIdentity, context: Context
) -> Placement | None:
    """The placement of the launched link (bound to its activity when the launch says which)."""
    link = identity.resource_link
    if link is None:
        return None
    ags = AgsEndpoint.from_claims(verified.claims)
    known = identity.placement  # read already by a returning launch's provisioning
    bound = placement.record_link_launch(
        context,
        link,
        lineitem_url=ags.lineitem if ags else None,
        custom=verified.claims.get(claims.CUSTOM),
        known=known.row if known is not None else placement.UNREAD,
    )
    notices.note_launch(verified.platform.id, verified.deployment.deployment_id, verified.claims)
    if bound.activity_id is None:  # a copied course's link: where it came from, for its set-up
        copying.note_link_launch(link, verified.claims)
    return bound


def _activity_page(activity_id: int) -> str:
    """The kind's own page (one redirect fewer than via activities.show, which still forwards
    links opened from elsewhere); activities.show for a kind this app does not offer."""
    activity = db.session.get(Activity, activity_id)
    kind = kind_of(activity.kind) if activity is not None else None
    return kind.home_endpoint if kind is not None else "activities.show"


def _person_of(platform_id: int, for_user: Any) -> Person | None:
    """The student a submission review is about (LTI AGS 2.0 6.2 `for_user`): known, or
    recorded now from the claim so their (empty) artifact page can say so."""
    if not isinstance(for_user, dict) or not for_user.get("user_id"):
        return None
    sub = str(for_user["user_id"])
    person = db.session.scalars(
        select(Person).where(Person.platform_id == platform_id, Person.sub == sub)
    ).first()
    if person is None:
        person = Person(platform_id=platform_id, sub=sub)
        for key, limit in (("name", 300), ("given_name", 200), ("family_name", 200)):
            value = for_user.get(key)
            if isinstance(value, str) and value:
                setattr(person, key, value[:limit])
        db.session.add(person)
        db.session.flush()
    return person
