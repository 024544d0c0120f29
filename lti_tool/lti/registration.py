"""LTI Dynamic Registration 1.0: read the platform's OpenID configuration, describe the tool to it,
and read back the client_id and deployment_id it assigns.

Every failure is an LtiError with a code and a message an LMS administrator can act on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import requests
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lti_tool.lti import claims
from lti_tool.lti.addresses import AddressPolicy, InternalAddressError, current_policy
from lti_tool.lti.errors import LtiError, bad_request
from lti_tool.lti.groups import SCOPE_GROUPS, group_parameters
from lti_tool.lti.history import HISTORY_CUSTOM_PARAMETERS
from lti_tool.lti.http import new_session

log = logging.getLogger(__name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NOTICE_HANDLERS = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# noticehandlers: to register our PNS handler (lti_tool.lti.pns; canvas-lms doc/api/pns.md).
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_RESULT, SCOPE_SCORE, SCOPE_NRPS, SCOPE_NOTICE_HANDLERS)

# Where faculty meet the deep linking picker: Canvas names its placements; Moodle offers deep
# linking as "Select content" on any external tool and reads no placements.
CANVAS_DEEP_LINKING_PLACEMENTS = ("assignment_selection", "link_selection")
# The course hub (lti_tool.hub) from the course's own menu: Canvas's course navigation. The
# launch names the hub twice, in a custom parameter and as its target link URI, since a
# platform may keep one and drop the other (web.dispatch reads either).
CANVAS_HUB_PLACEMENT = "course_navigation"
HUB_TARGET_PARAMETER = "coproduce_target"
HUB_TARGET = "course_hub"
HUB_PATH = "/hub"


def failed(code: str, message: str, cause: str = "", status: int = 424) -> LtiError:
    return LtiError(code, message, status, cause)


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    scopes_supported: tuple[str, ...]
    product_family_code: str
    platform_version: str
    messages_supported: tuple[dict[str, Any], ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def product_family(self) -> str:
        code = self.product_family_code.lower()
        if "canvas" in code:
            return "canvas"
        if "moodle" in code:
            return "moodle"
        if "coproduce-sandbox" in code:
            return "sandbox"
        return "other"

    @property
    def message_types(self) -> set[str]:
        return {str(m.get("type")) for m in self.messages_supported if isinstance(m, dict)}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _http_url(value: Any) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _refuse_internal(name: str, url: str, policy: AddressPolicy | None) -> None:
    """Anyone who can open /lti/register names the URL the server fetches: in production it must
    not be on the tool's own network (lti/addresses.py)."""
    try:
        (policy or current_policy()).check(name, url)
    except InternalAddressError as exc:
        raise bad_request(
            "DR_INTERNAL_ADDRESS",
            _l(
                "Coproduce does not contact LMSs on internal network addresses. Ask the tool's "
                "administrators to allow this LMS's host (PLATFORM_URL_ALLOW_INTERNAL)."
            ),
            str(exc),
        ) from exc


def fetch_platform_configuration(
    url: str | None,
    registration_token: str | None,
    timeout: float,
    policy: AddressPolicy | None = None,
) -> PlatformConfiguration:
    """GET the openid_configuration (Dynamic Registration 1.0 section 3.4)."""
    if not url or not _http_url(url):
        raise bad_request(
            "DR_CONFIG_URL_INVALID",
            _l(
                "This registration link lacks the LMS's configuration address. Start the "
                "registration again from your LMS."
            ),
            repr(url),
        )
    policy = policy or current_policy()
    _refuse_internal("openid_configuration", url, policy)
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        # Where addresses are checked, a redirect could lead past the check: not followed.
        response = new_session().get(
            url, headers=headers, timeout=timeout, allow_redirects=not policy.refuse
        )
    except requests.RequestException as exc:
        raise failed(
            "DR_CONFIG_UNREACHABLE",
            "Coproduce could not reach your LMS to read its configuration. Check that the LMS "
            "can be reached from the tool's server, then try again.",
            f"{url}: {exc}",
        ) from exc
    if response.status_code != 200:
        raise failed(
            "DR_CONFIG_UNREACHABLE",
            f"Your LMS answered HTTP {response.status_code} when asked for its configuration "
            "(the registration link may have expired). Start the registration again.",
            f"{url}: {response.text[:300]}",
        )
    try:
        document = response.json()
    except ValueError as exc:
        raise failed(
            "DR_CONFIG_INVALID", "Your LMS's configuration is not readable JSON.", url
        ) from exc
    config = parse_platform_configuration(document, url)
    # Refused before the admin confirms, not after the LMS has registered the tool.
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        _refuse_internal(name, getattr(config, name), policy)
    return config


def parse_platform_configuration(document: Any, url: str) -> PlatformConfiguration:
    if not isinstance(document, dict):
        raise failed("DR_CONFIG_INVALID", "Your LMS's configuration is not a JSON object.", url)
    issuer = document.get("issuer")
    if not _http_url(issuer):
        raise failed("DR_CONFIG_INVALID", "Your LMS's configuration names no issuer.", url)
    # Section 3.5.1: the configuration must come from the issuer's own site, or anyone could
    # present themselves as that LMS.
    if _origin(issuer) != _origin(url):
        raise failed(
            "DR_ISSUER_MISMATCH",
            f"The configuration at {_origin(url)} claims to be {issuer}; they must be the same "
            "site. Registration stopped.",
            f"issuer {issuer} vs configuration {url}",
            status=400,
        )
    missing = [
        name
        for name in (
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "registration_endpoint",
        )
        if not _http_url(document.get(name))
    ]
    if missing:
        raise failed(
            "DR_CONFIG_INVALID",
            "Your LMS's configuration lacks: " + ", ".join(missing) + ".",
            url,
        )
    platform = document.get(PLATFORM_CONFIGURATION) or {}
    if not isinstance(platform, dict):
        platform = {}
    scopes = document.get("scopes_supported") or []
    messages = platform.get("messages_supported") or []
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        registration_endpoint=document["registration_endpoint"],
        authorization_server=document.get("authorization_server")
        if isinstance(document.get("authorization_server"), str)
        else None,
        scopes_supported=tuple(s for s in scopes if isinstance(s, str)),
        product_family_code=str(platform.get("product_family_code") or "unknown"),
        platform_version=str(platform.get("version") or ""),
        messages_supported=tuple(m for m in messages if isinstance(m, dict)),
        raw=document,
    )


@dataclass(frozen=True)
class ToolDescription:
    name: str
    description: str
    base_url: str
    # Ask for the `email` claim only when a feature sends e-mail (SMTP_HOST set): data
    # minimisation (issue 18, docs/privacy.md).
    wants_email: bool = False

    @property
    def claims(self) -> list[str]:
        """The identity claims of the tool configuration (LTI Dynamic Registration 1.0,
        section 3.6.2 `claims`): sub to link work to a person, names to show it."""
        names = ["iss", "sub", "name", "given_name", "family_name"]
        return [*names, "email"] if self.wants_email else names

    @property
    def canvas_privacy_level(self) -> str:
        """Canvas's privacy level: `name_only` sends names without e-mail, `public` adds the
        e-mail (https://canvas.instructure.com/doc/api/file.lti_dev_key_config.html)."""
        return "public" if self.wants_email else "name_only"

    @property
    def launch_url(self) -> str:
        return self.base_url + "/lti/launch"

    @property
    def hub_url(self) -> str:
        """The course hub as a launch's target link URI (the launch itself posts to
        launch_url, the registered redirect URI)."""
        return self.base_url + HUB_PATH


def tool_messages(config: PlatformConfiguration, tool: ToolDescription) -> list[dict[str, Any]]:
    """The LTI messages we ask for, limited to those the platform says it supports."""
    supported = config.message_types
    wanted: list[dict[str, Any]] = [
        {
            "type": claims.DEEP_LINKING_REQUEST,
            "target_link_uri": tool.launch_url,
            "label": _("Add a %(tool)s activity", tool=tool.name),
        },
        {
            "type": claims.RESOURCE_LINK_REQUEST,
            "target_link_uri": tool.launch_url,
            "label": tool.name,
        },
        {
            "type": claims.SUBMISSION_REVIEW_REQUEST,
            "target_link_uri": tool.launch_url,
            "label": _("Review in %(tool)s", tool=tool.name),
        },
    ]
    if config.product_family == "canvas":
        wanted[0]["placements"] = list(CANVAS_DEEP_LINKING_PLACEMENTS)
        # Canvas lists a resource link message per placement: the course hub's menu entry,
        # for the course's staff only (Canvas's own role filter; the hub checks roles too).
        wanted.insert(
            2,
            {
                "type": claims.RESOURCE_LINK_REQUEST,
                "target_link_uri": tool.hub_url,
                "label": _("%(tool)s course hub", tool=tool.name),
                "placements": [CANVAS_HUB_PLACEMENT],
                "custom_parameters": {HUB_TARGET_PARAMETER: HUB_TARGET},
                "roles": [claims.ROLE_INSTRUCTOR, claims.ROLE_TEACHING_ASSISTANT],
            },
        )
    if not supported:  # the platform did not say: ask for the two every platform has
        return wanted[:2]
    return [m for m in wanted if m["type"] in supported]


def tool_scopes(config: PlatformConfiguration) -> list[str]:
    if not config.scopes_supported:
        return list(TOOL_SCOPES)
    wanted = [s for s in TOOL_SCOPES if s in config.scopes_supported]
    # The Course Groups Service only where the platform offers it (issue 16).
    return wanted + [s for s in (SCOPE_GROUPS,) if s in config.scopes_supported]


def client_metadata(config: PlatformConfiguration, tool: ToolDescription) -> dict[str, Any]:
    """The registration request body (section 3.6), with the LTI tool configuration claim."""
    tool_configuration: dict[str, Any] = {
        "domain": urlsplit(tool.base_url).netloc,
        "description": tool.description,
        "target_link_uri": tool.launch_url,
        "claims": tool.claims,
        "messages": tool_messages(config, tool),
        # Course copy history (lti.history), groups and sections (lti.groups): substituted by
        # the platforms that know them; Dynamic Registration 1.0 section 3.3 `custom_parameters`.
        "custom_parameters": {
            **HISTORY_CUSTOM_PARAMETERS,
            **group_parameters(config.product_family),
        },
    }
    if config.product_family == "canvas":
        tool_configuration[CANVAS_PRIVACY_LEVEL] = tool.canvas_privacy_level
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.base_url + "/lti/login",
        "redirect_uris": [tool.launch_url],
        "client_name": tool.name,
        "jwks_uri": tool.base_url + "/.well-known/jwks.json",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(tool_scopes(config)),
        TOOL_CONFIGURATION: tool_configuration,
    }


@dataclass(frozen=True)
class RegistrationResult:
    client_id: str
    deployment_id: str | None
    raw: dict[str, Any]


def _error_body(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        parts = [
            str(body.get(k))
            for k in ("error", "error_description", "errors", "message")
            if body.get(k)
        ]
        if parts:
            return " — ".join(parts)[:500]
    return str(body)[:500]


def register_with_platform(
    config: PlatformConfiguration,
    metadata: dict[str, Any],
    registration_token: str | None,
    timeout: float,
    policy: AddressPolicy | None = None,
) -> RegistrationResult:
    """POST the registration; the platform answers with our client_id (section 3.6.2)."""
    policy = policy or current_policy()
    _refuse_internal("registration_endpoint", config.registration_endpoint, policy)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = new_session().post(
            config.registration_endpoint,
            json=metadata,
            headers=headers,
            timeout=timeout,
            allow_redirects=not policy.refuse,
        )
    except requests.RequestException as exc:
        raise failed(
            "DR_PLATFORM_UNREACHABLE",
            "Coproduce could not reach your LMS to send the registration. Nothing was "
            "registered; try again.",
            f"{config.registration_endpoint}: {exc}",
        ) from exc
    if response.status_code not in (200, 201):
        detail = _error_body(response)
        raise failed(
            "DR_PLATFORM_REFUSED",
            f"Your LMS refused the registration (HTTP {response.status_code}): {detail}. "
            "Nothing was registered.",
            f"{config.registration_endpoint}: {response.status_code} {detail}",
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise failed(
            "DR_RESPONSE_INVALID", "Your LMS's answer to the registration is not JSON.", ""
        ) from exc
    client_id = body.get("client_id") if isinstance(body, dict) else None
    if not isinstance(client_id, str | int) or not str(client_id):
        raise failed(
            "DR_RESPONSE_INVALID", "Your LMS accepted the registration but sent no client_id.", ""
        )
    tool_config = body.get(TOOL_CONFIGURATION) or {}
    # Canvas answers the deployment at the top level of its registration answer (canvas-lms
    # app/controllers/lti/ims/dynamic_registration_controller.rb: "deployment_id": "1:abc…");
    # other platforms inside the tool configuration. Either is recorded, so first launches are
    # not held as an unknown deployment.
    deployment_id = body.get("deployment_id")
    if deployment_id in (None, "") and isinstance(tool_config, dict):
        deployment_id = tool_config.get("deployment_id")
    if not isinstance(deployment_id, str | int):
        deployment_id = None
    return RegistrationResult(
        client_id=str(client_id),
        deployment_id=str(deployment_id) if deployment_id not in (None, "") else None,
        raw=body,
    )
