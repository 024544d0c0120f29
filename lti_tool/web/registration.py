"""/lti/register (Dynamic Registration 1.0) and /lti/canvas.json. Thin: the protocol is in
lti_tool.lti.registration, the tool's side of it in lti_tool.admin.onboarding."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from lti_tool.admin import onboarding
from lti_tool.extensions import csrf
from lti_tool.lti.canvas_config import canvas_developer_key
from lti_tool.lti.registration import (
    client_metadata,
    fetch_platform_configuration,
)
from lti_tool.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("registration", __name__)


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def _no_store(html: str) -> Response:
    return Response(html, headers={"Cache-Control": "no-store"})


@bp.route("/lti/register", methods=["GET"])
def register() -> Response:
    settings = _settings()
    invite_id = onboarding.check_mode(
        settings.DYNAMIC_REGISTRATION,
        request.args.get("invite"),
        settings.SECRET_KEY,
        settings.REGISTRATION_INVITE_TTL_HOURS,
    )
    config_url = request.args.get("openid_configuration")
    token = request.args.get("registration_token")
    config = fetch_platform_configuration(config_url, token, settings.HTTP_TIMEOUT_SECONDS)
    tool = onboarding.tool_description(settings.LTI_TOOL_BASE_URL)
    metadata = client_metadata(config, tool)
    blob = onboarding.sign_confirmation(
        config_url or "", token, config, invite_id, settings.SECRET_KEY
    )
    log.info("dynamic registration offered to %s (%s)", config.issuer, config.product_family_code)
    return _no_store(
        render_template(
            "lti/register_confirm.html",
            config=config,
            tool=tool,
            metadata=metadata,
            tool_configuration=metadata["https://purl.imsglobal.org/spec/lti-tool-configuration"],
            blob=blob,
        )
    )


@bp.route("/lti/register", methods=["POST"])
@csrf.exempt  # no cookie inside the LMS window: the signed single-use confirmation protects it
def register_confirm() -> Response:
    settings = _settings()
    confirmation = onboarding.read_confirmation(
        request.form.get("confirmation"), settings.SECRET_KEY
    )
    # The installation may have switched dynamic registration off since the form was shown.
    if settings.DYNAMIC_REGISTRATION == "off" or (
        settings.DYNAMIC_REGISTRATION == "invite" and not confirmation.invite_id
    ):
        onboarding.check_mode(settings.DYNAMIC_REGISTRATION, None, settings.SECRET_KEY, 0)
    platform, config = onboarding.complete_registration(
        confirmation,
        base_url=settings.LTI_TOOL_BASE_URL,
        policy=request.form.get("deployment_policy", "hold"),
        language=request.form.get("default_language", ""),
        timeout=settings.HTTP_TIMEOUT_SECONDS,
    )
    log.info(
        "dynamic registration completed: platform %s client_id %s", platform.id, platform.client_id
    )
    return _no_store(render_template("lti/register_done.html", platform=platform, config=config))


@bp.route("/lti/canvas.json")
def canvas_json() -> Response:
    tool = onboarding.tool_description(_settings().LTI_TOOL_BASE_URL)
    response = jsonify(canvas_developer_key(tool))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
