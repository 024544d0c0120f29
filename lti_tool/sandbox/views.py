"""The sandbox LMS's pages and endpoints: pick a user, see the course with the tool in an iframe,
and the platform's OIDC authorization endpoint, JWKS and postMessage storage frame."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, jsonify, render_template, request

from lti_tool.extensions import csrf
from lti_tool.lti import claims
from lti_tool.sandbox import bp, registry, terms
from lti_tool.sandbox import platform as sandbox
from lti_tool.sandbox.messages import extra_claims, find_any_link
from lti_tool.sandbox.roster import CLIENT_ID, LINKS, USERS, find_user
from lti_tool.settings import Settings

log = logging.getLogger(__name__)


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


@bp.route("/")
def index() -> str:
    sandbox.ensure_registered(_settings())
    return render_template("sandbox/index.html", users=USERS, course=terms.current_course())


@bp.route("/course/<user_id>")
def course(user_id: str) -> str:
    settings = _settings()
    user = find_user(user_id)
    if user is None:
        abort(404, "No such sandbox user.")
    sandbox.ensure_registered(settings)
    shown = terms.links_of(terms.current_course()["id"])
    link = find_any_link(request.args.get("link", shown[0] if shown else LINKS[0].id)) or LINKS[0]
    # ?storage=0 behaves like Moodle 4.5: no lti_storage_target, no storage frame.
    storage = request.args.get("storage", "1") != "0"
    # ?client=<client_id> launches through a dynamically registered tool instead of the built-in.
    tool = registry.find(settings, request.args.get("client", CLIENT_ID))
    if tool is None:
        abort(404, "No tool is registered with that client id.")
    return render_template(
        "sandbox/course.html",
        user=user,
        course=terms.current_course(),
        link=link,
        storage=storage,
        launch_url=sandbox.login_initiation_url(settings, user, link, storage=storage, tool=tool),
        tool=tool,
        tool_origin=settings.LTI_TOOL_BASE_URL,
    )


@bp.route("/storage-frame")
def storage_frame() -> str:
    return render_template("sandbox/storage_frame.html")


@bp.route("/jwks.json")
def jwks() -> Response:
    return jsonify(sandbox.platform_jwks(_settings()))


def _auth_error(message: str) -> tuple[str, int]:
    log.warning("sandbox auth refused: %s", message)
    return render_template(
        "errors/error.html", code="SANDBOX_AUTH", message=message, status=400
    ), 400


@bp.route("/auth", methods=["GET", "POST"])
@csrf.exempt
def auth() -> Response | tuple[str, int]:
    """OIDC authorization endpoint (implicit flow, form_post), as LTI 1.3 core 5.1.1.2 asks."""
    settings = _settings()
    v = request.values
    tool = registry.find(settings, v.get("client_id"))
    checks = {
        "scope": v.get("scope") == "openid",
        "response_type": v.get("response_type") == "id_token",
        "response_mode": v.get("response_mode") == "form_post",
        "prompt": v.get("prompt") == "none",
        "client_id": tool is not None,
        # Only a redirect URI registered for that client: the id_token goes nowhere else.
        "redirect_uri": tool is not None and v.get("redirect_uri") in tool.redirect_uris,
        "nonce": bool(v.get("nonce")),
        "state": bool(v.get("state")),
    }
    wrong = [name for name, ok in checks.items() if not ok]
    if wrong:
        return _auth_error("Invalid authorization request: " + ", ".join(wrong))
    user_hint = sandbox.read_hint(settings.SECRET_KEY, v.get("login_hint"))
    message_hint = sandbox.read_hint(settings.SECRET_KEY, v.get("lti_message_hint"))
    user = find_user(str(user_hint.get("user"))) if user_hint else None
    link = find_any_link(str(message_hint.get("link"))) if message_hint else None
    if user is None or link is None or tool is None:
        return _auth_error("The login_hint or lti_message_hint is not one this LMS issued.")
    if message_hint and message_hint.get("client", tool.client_id) != tool.client_id:
        return _auth_error("The lti_message_hint was issued for another tool.")
    message_type = (
        str(message_hint.get("type", claims.RESOURCE_LINK_REQUEST)) if message_hint else ""
    )
    token = sandbox.id_token(
        settings,
        user,
        link,
        nonce=str(v["nonce"]),
        message_type=message_type,
        tool=tool,
        extra_claims=extra_claims(settings, tool, user, link, message_type, message_hint),
    )
    html = render_template(
        "sandbox/form_post.html", action=v["redirect_uri"], id_token=token, state=v["state"]
    )
    return Response(html, headers={"Cache-Control": "no-store"})
