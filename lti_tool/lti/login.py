"""OIDC third-party initiated login (LTI 1.3 core 5.1.1; Security Framework 5.1.1).

Finds the registration by (iss, client_id), makes a state and nonce, binds the state to this
browser (partitioned cookie, and postMessage storage when the platform offers it), and says
where to send the browser: the platform's OIDC authorization endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask_babel import lazy_gettext as _l

from lti_tool.lti.errors import bad_request, forbidden
from lti_tool.lti.login_state import LoginState, encode_state, new_login_state
from lti_tool.lti.registration_cache import CachedPlatform, cached_platform
from lti_tool.models import Platform


@dataclass(frozen=True)
class LoginParams:
    iss: str | None
    login_hint: str | None
    target_link_uri: str | None
    lti_message_hint: str | None = None
    client_id: str | None = None
    lti_deployment_id: str | None = None
    lti_storage_target: str | None = None


@dataclass(frozen=True)
class LoginStart:
    platform: CachedPlatform
    state: LoginState
    state_token: str
    auth_url: str  # the platform's auth endpoint with every OIDC parameter
    storage_target: str | None
    storage_origins: list[str]  # the only origins put_data/get_data go to and are heard from

    @property
    def platform_origin(self) -> str:
        return origin_of(self.platform.auth_login_url)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None when the value is not an origin (a path,
    a query, a wildcard or another scheme is not: postMessage needs one exact origin)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "*" in parts.netloc:
        return None
    if parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def storage_origins(platform: Platform | CachedPlatform) -> list[str]:
    """The origins the platform's postMessage storage is known to answer from.

    The client-side OIDC draft (lti-cs-oidc/lti-pm-s v0.1) says the platform storage frame is
    on the origin of the platform's OIDC auth endpoint, so that origin always counts. Canvas
    answers from each customer's own domain instead (its docs still tell tools to use '*'),
    so a registration lists those domains in `storage_origins`. Never '*': a page on another
    origin that frames a launch would otherwise answer lti.get_data itself and sign the
    victim in as the attacker (login CSRF).
    """
    origins = [origin_of(platform.auth_login_url)]
    for value in platform.storage_origins or []:
        origin = normalise_origin(str(value))
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def set_storage_origins(platform: Platform, values: list[str]) -> list[str]:
    """Replace a registration's storage origins (for the admin console or a CLI); returns the
    values refused because they are not exact origins."""
    kept, refused = [], []
    for value in values:
        origin = normalise_origin(value)
        if origin is None:
            refused.append(value)
        elif origin not in kept:
            kept.append(origin)
    platform.storage_origins = kept
    return refused


def start_login(
    params: LoginParams, *, tool_base_url: str, redirect_uri: str, secret_key: str
) -> LoginStart:
    for name in ("iss", "login_hint", "target_link_uri"):
        if not getattr(params, name):
            raise bad_request(
                "LOGIN_PARAM_MISSING",
                _l(
                    "The LMS started the sign-in without the required '%(name)s' parameter.",
                    name=name,
                ),
            )
    assert params.iss and params.login_hint and params.target_link_uri
    if origin_of(params.target_link_uri) != origin_of(tool_base_url):
        # Open-redirect guard: the platform may only send users to this tool.
        raise bad_request(
            "LOGIN_TARGET_INVALID",
            _l("The LMS asked to open an address that is not this tool."),
            params.target_link_uri,
        )
    platform = cached_platform(params.iss, params.client_id)
    if platform is None:
        raise bad_request(
            "REGISTRATION_UNKNOWN",
            _l(
                "This LMS is not registered with Coproduce. "
                "Ask your LMS administrator to register it."
            ),
            f"iss={params.iss!r} client_id={params.client_id!r}",
        )
    if not platform.is_active:
        raise forbidden(
            "PLATFORM_DISABLED",
            _l("Coproduce has been disabled for this LMS by its administrator."),
            f"platform {platform.id}",
        )
    storage_target = params.lti_storage_target or None
    state = new_login_state(platform.id, storage_target)
    state_token = encode_state(state, secret_key)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": params.login_hint,
        "state": state_token,
        "nonce": state.nonce,
    }
    if params.lti_message_hint:
        query["lti_message_hint"] = params.lti_message_hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginStart(
        platform=platform,
        state=state,
        state_token=state_token,
        auth_url=platform.auth_login_url + separator + urlencode(query),
        storage_target=storage_target,
        storage_origins=storage_origins(platform),
    )
