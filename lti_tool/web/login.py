"""/lti/login: OIDC third-party initiated login, GET and POST. The rules are in
lti_tool.lti.login; this binds the state to the browser with a partitioned cookie."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for

from lti_tool.extensions import csrf
from lti_tool.lti.login import LoginParams, start_login
from lti_tool.web.blueprint import bp, settings

log = logging.getLogger(__name__)

PROBE_COOKIE = "lti_cookie_probe"


def set_state_cookie(
    response: Response, name: str, value: str, max_age: int, httponly: bool
) -> None:
    # SameSite=None so it comes back on the platform's cross-site form POST; Partitioned (CHIPS)
    # so browsers that block third-party cookies still keep it, in the LMS's partition.
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/lti/",
        secure=True,
        httponly=httponly,
        samesite="None",
        partitioned=True,
    )


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
def login() -> Response:
    config = settings()
    values = request.values
    params = LoginParams(
        iss=values.get("iss"),
        login_hint=values.get("login_hint"),
        target_link_uri=values.get("target_link_uri"),
        lti_message_hint=values.get("lti_message_hint"),
        client_id=values.get("client_id"),
        lti_deployment_id=values.get("lti_deployment_id"),
        lti_storage_target=values.get("lti_storage_target"),
    )
    start = start_login(
        params,
        tool_base_url=config.LTI_TOOL_BASE_URL,
        redirect_uri=config.LTI_TOOL_BASE_URL + "/lti/launch",
        secret_key=config.SECRET_KEY,
    )
    # The same login without platform storage, for the "open in a new window" way out.
    new_window_params = {k: v for k, v in values.items() if k != "lti_storage_target"}
    page = {
        "auth_url": start.auth_url,
        "storage_target": start.storage_target,
        "storage_origins": start.storage_origins,
        "storage_key": start.state.storage_key,
        "storage_value": start.state.sid,
        "probe_cookie": PROBE_COOKIE,
        "new_window_url": url_for("lti.login") + "?" + urlencode(new_window_params),
    }
    response = Response(render_template("lti/login.html", page=page))
    ttl = config.LOGIN_STATE_TTL_SECONDS
    set_state_cookie(response, start.state.cookie_name, start.state.sid, ttl, httponly=True)
    set_state_cookie(response, PROBE_COOKIE, "1", ttl, httponly=False)
    response.headers["Cache-Control"] = "no-store"
    log.info("login started platform=%s storage=%s", start.platform.id, bool(start.storage_target))
    return response
