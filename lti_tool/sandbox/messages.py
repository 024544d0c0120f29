"""What the sandbox's id_tokens carry for LTI Advantage, and the links placed by deep linking.

Every launch gets the AGS claim (all four scopes, the course's line items, and the link's own
line item when it has one, as Canvas and Moodle send for graded links) and the NRPS claim. A
deep linking launch gets its settings, and no resource link; a submission review launch names
the student in `for_user`. Links the tool placed carry the custom parameters it returned.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.sandbox import terms
from lti_tool.sandbox.advantage import (
    AGS_SCOPES,
    lineitem_url,
    lineitems_url,
    member_by_id,
    memberships_url,
)
from lti_tool.sandbox.groups import group_claims
from lti_tool.sandbox.platform import urls
from lti_tool.sandbox.registry import ToolRegistration
from lti_tool.sandbox.roster import LINKS, SandboxLink, SandboxUser, find_link
from lti_tool.sandbox.store import GradebookColumn, StoredLink, ensure_tables
from lti_tool.settings import Settings

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DATA_SALT = "coproduce.sandbox.deep-link-data"
DATA_MAX_AGE = 2 * 3600  # time a facilitator may spend in the picker

# A deep linking launch has no resource link; the login hint still names something to launch.
ADD_ACTIVITY = SandboxLink("sandbox-add-activity", "Add an activity")


def _data_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.SECRET_KEY, salt=DATA_SALT)


def deep_link_data(settings: Settings, user: SandboxUser, tool: ToolRegistration) -> str:
    """The request's opaque `data`: who asked, for which tool; the response must echo it."""
    return _data_serializer(settings).dumps({"user": user.id, "client": tool.client_id})


def read_deep_link_data(settings: Settings, data: Any) -> dict[str, Any] | None:
    if not isinstance(data, str):
        return None
    try:
        value = _data_serializer(settings).loads(data, max_age=DATA_MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, dict) else None


def find_any_link(link_id: str | None) -> SandboxLink | None:
    if not link_id:
        return None
    if link_id == ADD_ACTIVITY.id:
        return ADD_ACTIVITY
    static = find_link(link_id)
    if static is not None:
        return static
    ensure_tables(db.engine)
    stored = db.session.scalars(select(StoredLink).where(StoredLink.link_id == link_id)).first()
    return SandboxLink(stored.link_id, stored.title) if stored else None


def all_links() -> list[SandboxLink]:
    """The links of the course the pages show (sandbox.terms: the newest copy, if any)."""
    ensure_tables(db.engine)
    stored = db.session.scalars(select(StoredLink).order_by(StoredLink.id))
    every = [*LINKS, *(SandboxLink(s.link_id, s.title) for s in stored)]
    shown = set(terms.links_of(terms.current_course()["id"]))
    return [link for link in every if link.id in shown]


def column_of(link_id: str) -> GradebookColumn | None:
    ensure_tables(db.engine)
    return db.session.scalars(
        select(GradebookColumn)
        .where(GradebookColumn.resource_link_id == link_id)
        .order_by(GradebookColumn.id)
    ).first()


def extra_claims(
    settings: Settings,
    tool: ToolRegistration,
    user: SandboxUser,
    link: SandboxLink,
    message_type: str,
    hint: dict[str, Any] | None,
) -> dict[str, Any]:
    """Claims to add to (or, set to None, remove from) the launch's id_token."""
    ensure_tables(db.engine)
    ags: dict[str, Any] = {"scope": list(AGS_SCOPES), "lineitems": lineitems_url(settings)}
    extra: dict[str, Any] = {
        NRPS_CLAIM: {
            "context_memberships_url": memberships_url(settings),
            "service_versions": ["2.0"],
        },
        AGS_CLAIM: ags,
    }
    extra.update(terms.service_claim(settings))
    if message_type == claims.DEEP_LINKING_REQUEST:
        extra.update(terms.history_claims(None, None))
        extra[claims.RESOURCE_LINK] = None
        extra[claims.DEEP_LINKING_SETTINGS] = {
            "deep_link_return_url": urls(settings).base + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            "accept_lineitem": True,
            "auto_create": True,
            "title": "Coproduce activity",
            "data": deep_link_data(settings, user, tool),
        }
        return extra
    column = column_of(link.id)
    if column is not None:
        ags["lineitem"] = lineitem_url(settings, column.id)
    stored = db.session.scalars(select(StoredLink).where(StoredLink.link_id == link.id)).first()
    # The link's course, and its custom parameters with the copy history substituted; the
    # course's groups and sections, as the profile's platform would send them.
    history = terms.history_claims(link.id, stored.custom if stored is not None else None)
    grouping = group_claims(settings, user)
    custom = {**grouping.pop(claims.CUSTOM, {}), **history.pop(claims.CUSTOM, {})}
    extra.update(grouping)
    extra.update(history)
    if custom:
        extra[claims.CUSTOM] = custom
    if message_type == claims.SUBMISSION_REVIEW_REQUEST and hint:
        student = member_by_id(str(hint.get("for_user", "")))
        if student is not None:
            extra[claims.FOR_USER] = {
                "user_id": student["user_id"],
                "name": student["name"],
                "given_name": student["given_name"],
                "family_name": student["family_name"],
                "email": student["email"],
                "roles": student["roles"],
            }
    return extra
