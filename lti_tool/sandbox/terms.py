"""Course copy in the sandbox LMS: "Copy this course to a new term" makes a new course (a new
context id) whose links are copies of the current course's (new link ids, the same custom
parameters, as Canvas copies a deep-linked link's `activity_id`), and:

- substitutes `$Context.id.history` and `$ResourceLink.id.history` into the tool's custom
  parameters `context_id_history` and `resource_link_id_history` (comma-separated, most recent
  first, as canvas-lms documents them), in every launch of the new course;
- sends an `LtiContextCopyNotice` (canvas-lms doc/api/pns.md: `context` the new course,
  `origin_contexts` the source) to each notice handler a tool registered with PUT on the
  sandbox's notification service, signed with the sandbox's key; once, with no retry, as Canvas.

Links and courses are kept in one sandbox setting; the newest course is the one the pages show.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import jwt
import requests
from flask import Response, current_app, jsonify, redirect, request, url_for
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.history import CONTEXT_HISTORY_PARAM, LINK_HISTORY_PARAM
from lti_tool.lti.pns import (
    CONTEXT_COPY_NOTICE,
    NOTICE_CLAIM,
    ORIGIN_CONTEXTS_CLAIM,
    SCOPE_NOTICE_HANDLERS,
    SERVICE_CLAIM,
)
from lti_tool.sandbox import bp, registry
from lti_tool.sandbox.advantage import _service
from lti_tool.sandbox.platform import _jwk_of, platform_private_key, urls
from lti_tool.sandbox.roster import COURSE, LINKS, find_user
from lti_tool.sandbox.store import IssuedToken, SandboxSetting, StoredLink, ensure_tables
from lti_tool.settings import Settings

log = logging.getLogger(__name__)
SETTING = "course_terms"
HANDLERS = "notice_handlers"


def _state() -> dict[str, Any]:
    ensure_tables(db.engine)
    row = db.session.get(SandboxSetting, SETTING)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    return {"terms": list(value.get("terms", [])), "links": dict(value.get("links", {}))}


def _save(state: dict[str, Any]) -> None:
    row = db.session.get(SandboxSetting, SETTING)
    if row is None:
        db.session.add(SandboxSetting(name=SETTING, value=state))
    else:
        row.value = state


def current_course() -> dict[str, Any]:
    terms = _state()["terms"]
    return dict(terms[-1]) if terms else dict(COURSE)


def course_of_link(link_id: str) -> dict[str, Any]:
    """The course a link is in: a copied (or newly placed) link's term, else the first course."""
    state = _state()
    course_id = state["links"].get(link_id, {}).get("course")
    for term in state["terms"]:
        if term["id"] == course_id:
            return dict(term)
    return dict(COURSE)


def links_of(course_id: str) -> list[str]:
    state = _state()
    if course_id == COURSE["id"]:
        return [i for i in [link.id for link in LINKS] + _stored_ids() if i not in state["links"]]
    return [i for i, v in state["links"].items() if v.get("course") == course_id]


def _stored_ids() -> list[str]:
    return [s.link_id for s in db.session.scalars(select(StoredLink).order_by(StoredLink.id))]


def adopt(link_id: str) -> None:
    """A link placed now belongs to the course the pages show."""
    course = current_course()
    if course["id"] == COURSE["id"]:
        return
    state = _state()
    state["links"][link_id] = {"course": course["id"], "from": None}
    _save(state)


def link_history(link_id: str) -> list[str]:
    state = _state()
    out: list[str] = []
    source = state["links"].get(link_id, {}).get("from")
    while source and source not in out:
        out.append(source)
        source = state["links"].get(source, {}).get("from")
    return out


def history_claims(link_id: str | None, stored_custom: dict[str, str] | None) -> dict[str, Any]:
    """The context of the launch, and the custom parameters with the history substituted."""
    course = course_of_link(link_id) if link_id else current_course()  # None: deep linking
    extra: dict[str, Any] = {
        claims.CONTEXT: {k: course[k] for k in ("id", "label", "title", "type") if k in course}
    }
    custom = dict(stored_custom or {})
    if course.get("history"):
        custom[CONTEXT_HISTORY_PARAM] = ",".join(course["history"])
    links = link_history(link_id) if link_id else []
    if links:
        custom[LINK_HISTORY_PARAM] = ",".join(links)
    if custom:
        extra[claims.CUSTOM] = custom
    return extra


def service_claim(settings: Settings) -> dict[str, Any]:
    return {
        SERVICE_CLAIM: {
            "service_versions": ["1.0"],
            "platform_notification_service_url": urls(settings).base + "/api/notice-handlers",
            "scope": [SCOPE_NOTICE_HANDLERS],
            "notice_types_supported": [CONTEXT_COPY_NOTICE],
        }
    }


def copy_course(settings: Settings, *, by: str) -> dict[str, Any]:
    """A new term's course from the current one (links copied, history kept); notices sent."""
    state = _state()
    source = current_course()
    number = len(state["terms"]) + 2
    new = {
        "id": f"{COURSE['id']}-term-{number}",
        "label": COURSE["label"],
        "title": f"{COURSE['title']} (term {number})",
        "type": list(COURSE.get("type", [])),
        "history": [source["id"], *source.get("history", [])],
    }
    stored = {s.link_id: s for s in db.session.scalars(select(StoredLink))}
    titles = {link.id: link.title for link in LINKS}
    for old_id in links_of(source["id"]):
        new_id = f"{old_id.split('~')[0]}~t{number}"
        old = stored.get(old_id)
        db.session.add(
            StoredLink(
                link_id=new_id,
                title=old.title if old else titles.get(old_id, "Coproduce"),
                text=old.text if old else None,
                url=old.url if old else None,
                custom=dict(old.custom or {}) if old else {},
                presentation=old.presentation if old else None,
                client_id=old.client_id if old else registry.builtin(settings).client_id,
                created_by=by,
            )
        )
        state["links"][new_id] = {"course": new["id"], "from": old_id}
    state["terms"].append(new)
    _save(state)
    db.session.commit()
    send_copy_notices(settings, new, source)
    return new


def send_copy_notices(settings: Settings, new: dict[str, Any], source: dict[str, Any]) -> int:
    """POST an LtiContextCopyNotice to every registered handler, once (no retry)."""
    row = db.session.get(SandboxSetting, HANDLERS)
    handlers = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    key = platform_private_key(settings)
    kid = _jwk_of(key)["kid"]
    sent = 0
    for client_id, handler in handlers.items():
        tool = registry.find(settings, client_id)
        if tool is None or not handler:
            continue
        now = int(time.time())
        body = {
            claims.VERSION: claims.LTI_VERSION,
            NOTICE_CLAIM: {
                "id": str(uuid.uuid4()),
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                "type": CONTEXT_COPY_NOTICE,
            },
            "iss": urls(settings).issuer,
            "aud": client_id,
            "azp": client_id,
            "iat": now,
            "exp": now + 3600,
            "nonce": str(uuid.uuid4()),
            claims.DEPLOYMENT_ID: tool.deployment_id,
            claims.CONTEXT: {k: new[k] for k in ("id", "label", "title", "type")},
            ORIGIN_CONTEXTS_CLAIM: [source["id"]],
        }
        token = jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})
        try:
            answer = requests.post(handler, json={"notices": [{"jwt": token}]}, timeout=10)
            log.info("sandbox notice to %s answered %s", handler, answer.status_code)
            sent += int(answer.ok)
        except requests.RequestException as exc:
            log.warning("sandbox notice to %s failed (not retried): %s", handler, exc)
    return sent


def _refuse(message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = 400
    return response


def register_notice_handler(client_id: str, body: Any) -> Response:
    if not isinstance(body, dict) or body.get("notice_type") != CONTEXT_COPY_NOTICE:
        return _refuse("only LtiContextCopyNotice is offered")
    handler = body.get("handler")
    if not isinstance(handler, str):
        return _refuse("handler must be a URL or empty")
    ensure_tables(db.engine)
    row = db.session.get(SandboxSetting, HANDLERS)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    value[client_id] = handler
    if row is None:
        db.session.add(SandboxSetting(name=HANDLERS, value=value))
    else:
        row.value = value
    db.session.commit()
    return jsonify({"notice_type": CONTEXT_COPY_NOTICE, "handler": handler})


@bp.route("/course/<user_id>/copy", methods=["POST"])
def copy_course_view(user_id: str) -> Response:
    from lti_tool.sandbox.placing import is_teacher

    user = find_user(user_id)
    if user is None or not is_teacher(user):
        return Response("Only the instructor copies the course.", status=403)
    new = copy_course(current_app.extensions["coproduce.settings"], by=user.id)
    log.info("sandbox course copied to %s by %s", new["id"], user.id)
    return redirect(url_for("sandbox.course", user_id=user.id), code=303)  # type: ignore[return-value]


@bp.route("/api/notice-handlers", methods=["GET", "PUT"], endpoint="notice_handlers")
@_service(SCOPE_NOTICE_HANDLERS)
def notice_handlers(issued: IssuedToken) -> Response:
    """The platform notification service: PUT `{notice_type, handler}` (canvas-lms pns.md)."""
    if request.method == "PUT":
        return register_notice_handler(issued.client_id, request.get_json(silent=True))
    row = db.session.get(SandboxSetting, HANDLERS)
    value = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
    return jsonify(
        {
            "client_id": issued.client_id,
            "notice_handlers": [
                {"notice_type": CONTEXT_COPY_NOTICE, "handler": value.get(issued.client_id, "")}
            ],
        }
    )
