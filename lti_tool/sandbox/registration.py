"""The sandbox LMS's side of LTI Dynamic Registration 1.0: its OpenID configuration, the
registration endpoint (validating the tool's metadata as a strict platform would), and the admin
page that starts a registration from a tool's URL."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Response, current_app, jsonify, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lti_tool.extensions import csrf
from lti_tool.lti import claims
from lti_tool.lti.registration import PLATFORM_CONFIGURATION, TOOL_CONFIGURATION, TOOL_SCOPES
from lti_tool.sandbox import bp, profiles, registry
from lti_tool.sandbox.advantage import SCOPE_GROUPS
from lti_tool.sandbox.platform import urls
from lti_tool.settings import Settings

log = logging.getLogger(__name__)
TOKEN_SALT = "coproduce.sandbox.registration-token"  # noqa: S105 - a salt, not a secret
TOKEN_MAX_AGE = 3600


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


def openid_configuration_url(settings: Settings) -> str:
    return urls(settings).base + "/.well-known/openid-configuration"


@bp.route("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    u = urls(_settings())
    profile = profiles.current()
    extra: dict[str, str] = {}
    if profile.canvas:
        # Canvas's openid-configuration publishes a bare host name as authorization_server
        # (e.g. "canvas.instructure.com"), which its token endpoint does not accept as the
        # client assertion's aud (canvas-lms lib/canvas/security/jwt_validator.rb).
        extra["authorization_server"] = urlsplit(u.base).netloc
    return jsonify(
        {
            **extra,
            "issuer": u.issuer,
            "authorization_endpoint": u.auth,
            "token_endpoint": u.token,
            "jwks_uri": u.jwks,
            "registration_endpoint": u.base + "/register",
            "scopes_supported": ["openid", *TOOL_SCOPES, SCOPE_GROUPS],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": "canvas" if profile.canvas else "coproduce-sandbox",
                "version": "1",
                "messages_supported": [
                    {"type": claims.RESOURCE_LINK_REQUEST},
                    {"type": claims.DEEP_LINKING_REQUEST},
                    {"type": claims.SUBMISSION_REVIEW_REQUEST},
                ],
            },
        }
    )


def new_registration_token(settings: Settings) -> str:
    return URLSafeTimedSerializer(settings.SECRET_KEY, salt=TOKEN_SALT).dumps(
        {"t": secrets.token_urlsafe(8)}
    )


def _client_error(error: str, description: str, status: int = 400) -> tuple[Response, int]:
    log.warning("sandbox registration refused: %s %s", error, description)
    return jsonify({"error": error, "error_description": description}), status


def _metadata_problems(body: Any, tool_origin: str) -> list[str]:
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = []
    for name in ("initiate_login_uri", "jwks_uri", "client_name"):
        if not isinstance(body.get(name), str) or not body.get(name):
            problems.append(f"{name} is required")
    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        problems.append("redirect_uris is required")
    if "id_token" not in (body.get("response_types") or []):
        problems.append("response_types must include id_token")
    if not {"implicit", "client_credentials"} <= set(body.get("grant_types") or []):
        problems.append("grant_types must include implicit and client_credentials")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    config = body.get(TOOL_CONFIGURATION)
    if not isinstance(config, dict):
        return [*problems, f"{TOOL_CONFIGURATION} is required"]
    if not config.get("domain") or not config.get("target_link_uri"):
        problems.append("the tool configuration needs domain and target_link_uri")
    for uri in [*(redirect_uris or []), body.get("initiate_login_uri", "")]:
        if isinstance(uri, str) and urlsplit(uri).netloc != config.get("domain"):
            problems.append(f"{uri} is not on the tool's domain")
    messages = config.get("messages")
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and m.get("type") for m in messages
    ):
        problems.append("messages must be a list of objects with a type")
    return problems


@bp.route("/register", methods=["POST"])
@csrf.exempt  # an API for tools, authorised by the registration token
def register_tool() -> Response | tuple[Response, int]:
    settings = _settings()
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    try:
        data = URLSafeTimedSerializer(settings.SECRET_KEY, salt=TOKEN_SALT).loads(
            token, max_age=TOKEN_MAX_AGE
        )
    except BadSignature:
        return _client_error("invalid_token", "The registration token is missing or expired.", 401)
    body: Any = request.get_json(silent=True)  # checked by _metadata_problems
    problems = _metadata_problems(body, settings.LTI_TOOL_BASE_URL)
    if problems:
        return _client_error("invalid_client_metadata", "; ".join(problems))
    config = body[TOOL_CONFIGURATION]
    try:
        registration = registry.add_dynamic(
            settings,
            str(data["t"]),
            {
                "name": str(body["client_name"])[:200],
                "initiate_login_uri": body["initiate_login_uri"],
                "redirect_uris": tuple(body["redirect_uris"]),
                "jwks_uri": body["jwks_uri"],
                "target_link_uri": config["target_link_uri"],
                "scopes": tuple(str(body.get("scope", "")).split()),
                "messages": tuple(config.get("messages", [])),
            },
        )
    except PermissionError:
        return _client_error("invalid_token", "This registration token was already used.", 401)
    log.info("sandbox registered tool %s as %s", registration.name, registration.client_id)
    answer = {
        **body,
        "client_id": registration.client_id,
        TOOL_CONFIGURATION: {**config, "deployment_id": registration.deployment_id},
    }
    if profiles.current().canvas:
        # canvas-lms app/controllers/lti/ims/dynamic_registration_controller.rb: the deployment
        # comes at the top level of the answer, not inside the tool configuration.
        answer[TOOL_CONFIGURATION] = dict(config)
        answer["deployment_id"] = registration.deployment_id
    return jsonify(answer), 200


@bp.route("/admin")
def admin() -> str:
    """The sandbox's "LTI Registration" page: paste a tool's registration URL, as in Canvas."""
    settings = _settings()
    tool_url = request.args.get("tool_url") or settings.LTI_TOOL_BASE_URL + "/lti/register"
    start = None
    if request.args.get("start"):
        separator = "&" if "?" in tool_url else "?"
        start = (
            tool_url
            + separator
            + urlencode(
                {
                    "openid_configuration": openid_configuration_url(settings),
                    "registration_token": new_registration_token(settings),
                }
            )
        )
    return render_template(
        "sandbox/admin.html",
        tool_url=tool_url,
        start=start,
        registrations=registry.registrations(settings),
        tool_origin=settings.LTI_TOOL_BASE_URL,
    )
