"""The sandbox's side of deep linking and submission review: the course page's "Add activity"
(a deep linking launch into the tool's picker, in the same iframe), the return endpoint that
verifies the tool's signed response against its JWKS and stores the links and gradebook columns
it names, and the gradebook's "Review" (a submission review launch)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import jwt
from flask import abort, current_app, render_template, request

from lti_tool.extensions import csrf, db
from lti_tool.lti import claims
from lti_tool.sandbox import bp, registry, terms
from lti_tool.sandbox import platform as sandbox
from lti_tool.sandbox.messages import (
    ADD_ACTIVITY,
    all_links,
    find_any_link,
    read_deep_link_data,
)
from lti_tool.sandbox.registry import ToolRegistration
from lti_tool.sandbox.roster import SandboxUser, find_user
from lti_tool.sandbox.store import ColumnReview, GradebookColumn, StoredLink
from lti_tool.sandbox.tool_keys import ToolSignatureError, verify
from lti_tool.settings import Settings

log = logging.getLogger(__name__)
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def is_teacher(user: SandboxUser) -> bool:
    return any(r in (claims.ROLE_INSTRUCTOR, claims.ROLE_TEACHING_ASSISTANT) for r in user.roles)


@bp.context_processor
def _course_page_helpers() -> dict[str, Any]:
    return {"sandbox_links": all_links, "sandbox_is_teacher": is_teacher}


def _teacher(user_id: str) -> SandboxUser:
    user = find_user(user_id)
    if user is None:
        abort(404, "No such sandbox user.")
    if not is_teacher(user):
        abort(403, "Only the course's instructor and TA can do this.")
    return user


def _course_page(user: SandboxUser, launch_url: str, heading: str) -> str:
    settings = _settings()
    return render_template(
        "sandbox/course.html",
        user=user,
        course=terms.current_course(),
        link=type(ADD_ACTIVITY)(ADD_ACTIVITY.id, heading),
        storage=True,
        launch_url=launch_url,
        tool=registry.builtin(settings),
        tool_origin=settings.LTI_TOOL_BASE_URL,
    )


@bp.route("/course/<user_id>/add-activity")
def add_activity(user_id: str) -> str:
    """The tool's picker in the course page's iframe, by an LtiDeepLinkingRequest launch."""
    settings = _settings()
    user = _teacher(user_id)
    sandbox.ensure_registered(settings)
    url = sandbox.login_initiation_url(
        settings, user, ADD_ACTIVITY, storage=True, message_type=claims.DEEP_LINKING_REQUEST
    )
    return _course_page(user, url, "Add an activity")


@bp.route("/course/<user_id>/review")
def review(user_id: str) -> str:
    """A student's work from the gradebook, by an LtiSubmissionReviewRequest launch."""
    settings = _settings()
    user = _teacher(user_id)
    link = find_any_link(request.args.get("link"))
    student_id = request.args.get("student", "")
    student = find_user(student_id)
    if link is None or link is ADD_ACTIVITY or not student_id:
        abort(404, "No such link or student.")
    url = sandbox.login_initiation_url(
        settings,
        user,
        link,
        storage=True,
        message_type=claims.SUBMISSION_REVIEW_REQUEST,
        hint_extra={"for_user": student_id},
    )
    name = student.name if student else student_id
    return _course_page(user, url, f"Review: {name} in {link.title}")


def _refused(message: str, status: int = 400) -> tuple[str, int]:
    log.warning("sandbox deep linking response refused: %s", message)
    return render_template(
        "errors/error.html", code="SANDBOX_DEEP_LINK", message=message, status=status
    ), status


class _Refused(Exception):
    """The response breaks a rule of DL 2.0; the message says which (for the error page)."""


def _verified_response(settings: Settings, token: str) -> tuple[ToolRegistration, dict[str, Any]]:
    """The tool that signed the response and the response's claims, checked (DL 2.0 4.5)."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _Refused("The response is not a JWT.") from None
    tool = registry.find(settings, str(unverified.get("iss", "")))
    if tool is None:
        raise _Refused("The response comes from a tool this LMS does not know.")
    try:
        body = verify(
            token,
            jwks_url=tool.jwks_uri,
            audience=sandbox.urls(settings).issuer,
            issuer=tool.client_id,
        )
    except ToolSignatureError as exc:
        raise _Refused(f"The response's signature does not verify: {exc}") from None
    if body.get(claims.MESSAGE_TYPE) != "LtiDeepLinkingResponse":
        raise _Refused("The response is not an LtiDeepLinkingResponse.")
    if body.get(claims.VERSION) != claims.LTI_VERSION:
        raise _Refused("The response is not LTI 1.3.0.")
    if body.get(claims.DEPLOYMENT_ID) != tool.deployment_id:
        raise _Refused("The response names another deployment.")
    if not body.get("nonce"):
        raise _Refused("The response has no nonce.")
    return tool, body


def _requesting_user(
    settings: Settings, tool: ToolRegistration, body: dict[str, Any]
) -> SandboxUser:
    """Who asked for the placement, from the `data` claim the LMS signed and the tool echoed."""
    data = read_deep_link_data(settings, body.get(DATA))
    if data is None or data.get("client") != tool.client_id:
        raise _Refused("The response does not echo this LMS's data unchanged.")
    user = find_user(str(data.get("user")))
    if user is None:
        raise _Refused("The response is for no user of this course.")
    return user


def _content_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get(CONTENT_ITEMS) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _Refused("content_items must be a list of objects.")
    if len(items) > 1:
        raise _Refused("This placement accepts one item (accept_multiple is false).")
    for item in items:
        if item.get("type") != "ltiResourceLink":
            raise _Refused(f"This placement does not accept {item.get('type')!r} items.")
    return items


def _store_link(tool: ToolRegistration, user: SandboxUser, item: dict[str, Any]) -> StoredLink:
    """The course's new link for one ltiResourceLink item, and its gradebook column when the
    item declares a lineItem (in the session; the caller commits)."""
    title = str(item.get("title") or "Untitled activity")[:300]
    custom: dict[str, Any] = item["custom"] if isinstance(item.get("custom"), dict) else {}
    link = StoredLink(
        link_id="dl-" + secrets.token_hex(6),
        title=title,
        text=str(item["text"])[:2000] if item.get("text") else None,
        url=str(item["url"])[:1000] if item.get("url") else None,
        custom={str(k): str(v) for k, v in custom.items()},
        presentation="iframe" if "iframe" in item else "window" if "window" in item else None,
        client_id=tool.client_id,
        created_by=user.id,
    )
    db.session.add(link)
    terms.adopt(link.link_id)  # placed in the course the pages show
    line_item = item.get("lineItem")
    if isinstance(line_item, dict):
        maximum = line_item.get("scoreMaximum")
        if not isinstance(maximum, int | float) or maximum <= 0:
            raise _Refused("lineItem.scoreMaximum must be a number above 0.")
        column = GradebookColumn(
            label=str(line_item.get("label") or title)[:300],
            score_maximum=float(maximum),
            resource_id=line_item.get("resourceId"),
            tag=line_item.get("tag"),
            resource_link_id=link.link_id,
            client_id=tool.client_id,
        )
        db.session.add(column)
        review = line_item.get("submissionReview")
        if isinstance(review, dict):
            db.session.flush()
            db.session.add(ColumnReview(line_item_id=column.id, review=review))
    return link


@bp.route("/deep-link-return", methods=["POST"])
@csrf.exempt
def deep_link_return() -> str | tuple[str, int]:
    """deep_link_return_url: verify the LtiDeepLinkingResponse (DL 2.0 4.5) and store what it
    places. Shown inside the iframe the picker was in."""
    settings = _settings()
    try:
        tool, body = _verified_response(settings, request.form.get("JWT", ""))
        user = _requesting_user(settings, tool, body)
        if body.get(ERRORMSG):
            log.info("sandbox deep linking: the tool reported %r", body[ERRORMSG])
            return render_template(
                "sandbox/deep_link_done.html",
                user=user,
                added=[],
                message=str(body.get(ERRORMSG)),
                error=True,
            )
        added = [_store_link(tool, user, item) for item in _content_items(body)]
    except _Refused as exc:
        db.session.rollback()  # nothing of a refused response is kept
        return _refused(str(exc))
    db.session.commit()
    log.info(
        "sandbox deep linking: %s link(s) placed by %s: %s",
        len(added),
        user.id,
        [a.link_id for a in added],
    )
    return render_template(
        "sandbox/deep_link_done.html",
        user=user,
        added=added,
        message=str(body.get(MSG) or ""),
        error=False,
    )
