"""The sandbox platform's side of LTI: its key, JWKS, hints and id_tokens, and its registration
in the tool's own database (so `flask run` with SANDBOX=1 launches out of the box)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lti_tool.admin.audit import SYSTEM
from lti_tool.admin.platforms import PlatformFields, add_deployment, add_platform
from lti_tool.lti import claims
from lti_tool.lti.keys import public_jwk_of, rfc7638_thumbprint
from lti_tool.lti.tool_config import find_platform
from lti_tool.models import DeploymentPolicy, Platform, ProductFamily
from lti_tool.sandbox import registry
from lti_tool.sandbox.registry import ToolRegistration
from lti_tool.sandbox.roster import CLIENT_ID, COURSE, DEPLOYMENT_ID, SandboxLink, SandboxUser
from lti_tool.settings import Settings

HINT_SALT = "coproduce.sandbox.hint"
HINT_MAX_AGE = 600


@dataclass(frozen=True)
class SandboxUrls:
    base: str  # SANDBOX_BASE_URL + /sandbox
    tool: str  # LTI_TOOL_BASE_URL

    @property
    def issuer(self) -> str:
        return self.base

    @property
    def auth(self) -> str:
        return self.base + "/auth"

    @property
    def token(self) -> str:
        return self.base + "/token"

    @property
    def jwks(self) -> str:
        return self.base + "/jwks.json"

    @property
    def tool_login(self) -> str:
        return self.tool + "/lti/login"

    @property
    def tool_launch(self) -> str:
        return self.tool + "/lti/launch"


def urls(settings: Settings) -> SandboxUrls:
    return SandboxUrls(base=settings.SANDBOX_BASE_URL + "/sandbox", tool=settings.LTI_TOOL_BASE_URL)


def _key_path(settings: Settings) -> Path:
    return settings.INSTANCE_PATH / "sandbox_platform_key.pem"


def platform_private_key(settings: Settings) -> rsa.RSAPrivateKey:
    """The sandbox platform's own signing key (not the tool's), made on first use."""
    path = _key_path(settings)
    _ensure_key_file(path)
    return _load_key(path, path.stat().st_mtime_ns)


def _ensure_key_file(path: Path) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        except FileExistsError:
            pass  # another process made it first; use theirs


@lru_cache(maxsize=4)
def _load_key(path: Path, mtime_ns: int) -> rsa.RSAPrivateKey:
    # Cached per file version: loading an RSA key re-checks it, tens of milliseconds each time.
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


@lru_cache(maxsize=4)
def _jwk_of(key: rsa.RSAPrivateKey) -> dict[str, str]:
    jwk = public_jwk_of(key)
    return {**jwk, "kid": rfc7638_thumbprint(jwk), "alg": "RS256", "use": "sig"}


def platform_jwks(settings: Settings) -> dict[str, Any]:
    return {"keys": [_jwk_of(platform_private_key(settings))]}


def ensure_registered(settings: Settings) -> Platform:
    """Register the sandbox with the tool (idempotent)."""
    u = urls(settings)
    platform = find_platform(u.issuer, CLIENT_ID)
    if platform is None:
        platform = add_platform(
            PlatformFields(
                issuer=u.issuer,
                client_id=CLIENT_ID,
                auth_login_url=u.auth,
                auth_token_url=u.token,
                key_set_url=u.jwks,
                name="Sandbox LMS",
                product_family=ProductFamily.SANDBOX,
                deployment_policy=DeploymentPolicy.ACCEPT,
            ),
            [DEPLOYMENT_ID],
            SYSTEM,
        )
    else:
        add_deployment(platform, DEPLOYMENT_ID, SYSTEM)
    return platform


def _hints(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=HINT_SALT)


def login_initiation_url(
    settings: Settings,
    user: SandboxUser,
    link: SandboxLink,
    *,
    storage: bool,
    tool: ToolRegistration | None = None,
    message_type: str = claims.RESOURCE_LINK_REQUEST,
    hint_extra: dict[str, Any] | None = None,
) -> str:
    """Where the sandbox sends the tool's iframe to start a launch (third-party initiated login),
    for the built-in registration or one made by dynamic registration."""
    u = urls(settings)
    tool = tool or registry.builtin(settings)
    hints = _hints(settings.SECRET_KEY)
    params = {
        "iss": u.issuer,
        "login_hint": hints.dumps({"user": user.id}),
        "target_link_uri": tool.target_link_uri,
        "lti_message_hint": hints.dumps(
            {"link": link.id, "type": message_type, "client": tool.client_id, **(hint_extra or {})}
        ),
        "client_id": tool.client_id,
        "lti_deployment_id": tool.deployment_id,
    }
    if storage:
        params["lti_storage_target"] = "post_message_forwarding"
    separator = "&" if "?" in tool.initiate_login_uri else "?"
    return tool.initiate_login_uri + separator + urlencode(params)


def read_hint(secret_key: str, hint: str | None) -> dict[str, Any] | None:
    if not hint:
        return None
    try:
        data = _hints(secret_key).loads(hint, max_age=HINT_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


# Each person's language in the LMS (the launch presentation claim's `locale`): English unless
# set with PUT /sandbox/api/locales {"student-1": "fr", ...} (the browser tests' French and
# right-to-left runs); stored like the profile, so every process applies it.
LOCALES_SETTING = "locales"
DEFAULT_LOCALE = "en"


def user_locales() -> dict[str, str]:
    from lti_tool.extensions import db
    from lti_tool.sandbox.store import SandboxSetting

    row = db.session.get(SandboxSetting, LOCALES_SETTING)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def set_user_locales(locales: dict[str, str | None]) -> dict[str, str]:
    """Merge `locales` (a None value: back to English) into the stored ones."""
    from lti_tool.extensions import db
    from lti_tool.sandbox.store import SandboxSetting

    merged = user_locales()
    for user_id, locale in locales.items():
        if not isinstance(user_id, str) or not (locale is None or isinstance(locale, str)):
            raise ValueError("send {user id: locale or null}")
        if locale is None:
            merged.pop(user_id, None)
        else:
            merged[user_id] = locale[:35]
    row = db.session.get(SandboxSetting, LOCALES_SETTING)
    if row is None:
        db.session.add(SandboxSetting(name=LOCALES_SETTING, value=merged))
    else:
        row.value = merged
    db.session.commit()
    return merged


def user_locale(user_id: str) -> str:
    return user_locales().get(user_id, DEFAULT_LOCALE)


def id_token(
    settings: Settings,
    user: SandboxUser,
    link: SandboxLink,
    *,
    nonce: str,
    message_type: str,
    tool: ToolRegistration | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """A real RS256 id_token, as a platform would sign it. `extra_claims` adds LTI Advantage
    claims (sandbox.messages); a claim set to None there is left out."""
    u = urls(settings)
    tool = tool or registry.builtin(settings)
    now = int(time.time())
    key = platform_private_key(settings)
    kid = _jwk_of(key)["kid"]
    body: dict[str, Any] = {
        "iss": u.issuer,
        "aud": tool.client_id,
        "azp": tool.client_id,
        "sub": user.id,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        claims.MESSAGE_TYPE: message_type,
        claims.VERSION: claims.LTI_VERSION,
        claims.DEPLOYMENT_ID: tool.deployment_id,
        claims.TARGET_LINK_URI: tool.target_link_uri,
        claims.RESOURCE_LINK: {"id": link.id, "title": link.title},
        claims.ROLES: list(user.roles),
        claims.CONTEXT: COURSE,
        claims.TOOL_PLATFORM: {
            "guid": "coproduce-sandbox",
            "name": "Coproduce Sandbox LMS",
            "product_family_code": "coproduce-sandbox",
            "version": "1",
        },
        claims.LAUNCH_PRESENTATION: {"document_target": "iframe", "locale": user_locale(user.id)},
    }
    if user.mentees:
        body[claims.ROLE_SCOPE_MENTOR] = list(user.mentees)
    body = {k: v for k, v in {**body, **(extra_claims or {})}.items() if v is not None}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})
