"""Dynamic registration as the tool runs it: who may register (open, by invitation, or not at
all), the admin's confirmation, and storing what the platform assigned.

The confirmation travels as a signed, expiring, single-use blob in the confirmation form: the
admin is inside the LMS's window, where the tool can keep no cookie.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.admin.audit import Actor, record
from lti_tool.admin.platforms import PlatformFields, RegistrationError, add_platform
from lti_tool.extensions import db
from lti_tool.i18n import LANGUAGES
from lti_tool.lti.errors import LtiError, bad_request
from lti_tool.lti.registration import (
    PlatformConfiguration,
    RegistrationResult,
    ToolDescription,
    client_metadata,
    parse_platform_configuration,
    register_with_platform,
)
from lti_tool.lti.tool_config import find_platform
from lti_tool.models import ActorKind, DeploymentPolicy, Platform, UsedNonce, utcnow

CONFIRM_SALT = "coproduce.dynamic-registration.confirm"
INVITE_SALT = "coproduce.dynamic-registration.invite"
CONFIRM_MAX_AGE = 1800  # the admin has half an hour to read and confirm


def tool_description(base_url: str) -> ToolDescription:
    return ToolDescription(
        name="Coproduce",
        # In the language of the request (the registering admin's); English outside one.
        description=_(
            "Students co-produce their education: they set learning goals, co-create the rubric "
            "they are judged by, and give and act on feedback in rounds."
        ),
        base_url=base_url,
        wants_email=wants_email(),
    )


def wants_email() -> bool:
    """E-mail is only asked for, and kept, when a feature sends it (SMTP_HOST set)."""
    if not has_app_context():
        return False
    return bool(current_app.extensions["coproduce.settings"].wants_email)


def check_mode(mode: str, invite: str | None, secret_key: str, invite_ttl_hours: int) -> str | None:
    """The invite id to consume, if the mode needs one; raises LtiError when not allowed."""
    if mode == "off":
        raise LtiError(
            "DR_DISABLED",
            _l(
                "This Coproduce installation does not accept dynamic registration. Ask its "
                "administrators for the values to enter by hand."
            ),
            403,
        )
    if mode == "open":
        return None
    if not invite:
        raise LtiError(
            "DR_INVITE_REQUIRED",
            _l(
                "This Coproduce installation registers LMSs by invitation. Ask its administrators "
                "for a registration link and paste that link into your LMS."
            ),
            403,
        )
    try:
        data = URLSafeTimedSerializer(secret_key, salt=INVITE_SALT).loads(
            invite, max_age=invite_ttl_hours * 3600
        )
    except SignatureExpired as exc:
        raise LtiError(
            "DR_INVITE_EXPIRED", _l("This registration link has expired; ask for a new one."), 403
        ) from exc
    except BadSignature as exc:
        raise LtiError(
            "DR_INVITE_INVALID", _l("This registration link is not valid."), 403
        ) from exc
    invite_id = str(data.get("i", "")) if isinstance(data, dict) else ""
    if not invite_id or _used(f"invite:{invite_id}"):
        raise LtiError("DR_INVITE_USED", _l("This registration link has already been used."), 403)
    return invite_id


def create_invite(actor: Actor, secret_key: str, note: str = "") -> str:
    invite_id = secrets.token_urlsafe(12)
    token = URLSafeTimedSerializer(secret_key, salt=INVITE_SALT).dumps({"i": invite_id, "n": note})
    record(actor, "registration.invited", "invite", invite_id, note=note[:200])
    db.session.commit()
    return token


def _used(nonce: str) -> bool:
    return (
        db.session.scalars(select(UsedNonce.id).where(UsedNonce.nonce == nonce)).first() is not None
    )


@dataclass(frozen=True)
class Confirmation:
    config_url: str
    registration_token: str | None
    config: dict[str, Any]
    invite_id: str | None
    confirmation_id: str


def sign_confirmation(
    config_url: str,
    registration_token: str | None,
    config: PlatformConfiguration,
    invite_id: str | None,
    secret_key: str,
) -> str:
    payload = {
        "u": config_url,
        "t": registration_token,
        "c": config.raw,
        "i": invite_id,
        "j": secrets.token_urlsafe(12),
    }
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).dumps(payload)


def read_confirmation(blob: str | None, secret_key: str) -> Confirmation:
    if not blob:
        raise bad_request(
            "DR_CONFIRMATION_MISSING",
            _l("The registration form is incomplete; start again from your LMS."),
        )
    try:
        data = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).loads(
            blob, max_age=CONFIRM_MAX_AGE
        )
    except SignatureExpired as exc:
        raise LtiError(
            "DR_CONFIRMATION_EXPIRED",
            _l(
                "The registration form was open too long. "
                "Start the registration again from your LMS."
            ),
            400,
        ) from exc
    except BadSignature as exc:
        raise bad_request(
            "DR_CONFIRMATION_INVALID", _l("The registration form was altered.")
        ) from exc
    confirmation = Confirmation(
        config_url=data["u"],
        registration_token=data.get("t"),
        config=data["c"],
        invite_id=data.get("i"),
        confirmation_id=data["j"],
    )
    if _used(f"registration:{confirmation.confirmation_id}"):
        raise LtiError(
            "DR_ALREADY_REGISTERED",
            _l(
                "This registration was already completed. The LMS has Coproduce registered; "
                "close this window."
            ),
            409,
        )
    return confirmation


def complete_registration(
    confirmation: Confirmation,
    *,
    base_url: str,
    policy: str,
    timeout: float,
    language: str = "",
) -> tuple[Platform, PlatformConfiguration]:
    """POST the registration to the platform and store what it assigned, all or nothing.
    `language` is the registration's default language ("" for the browser's)."""
    if policy not in set(DeploymentPolicy):
        raise bad_request("DR_POLICY_INVALID", _l("Choose how new deployments are treated."))
    if language and language not in LANGUAGES:
        raise bad_request(
            "DR_LANGUAGE_INVALID", _l("Choose one of the languages offered."), repr(language)[:80]
        )
    config = parse_platform_configuration(confirmation.config, confirmation.config_url)
    metadata = client_metadata(config, tool_description(base_url))
    result: RegistrationResult = register_with_platform(
        config, metadata, confirmation.registration_token, timeout
    )
    if find_platform(config.issuer, result.client_id) is not None:
        raise LtiError(
            "DR_ALREADY_REGISTERED",
            _l(
                "Your LMS answered with client %(client_id)s, which Coproduce already has "
                "registered, so the tool stored nothing new. Remove the duplicate the LMS may "
                "have made, and manage the registration in Coproduce's admin console.",
                client_id=result.client_id,
            ),
            409,
            f"{config.issuer} {result.client_id}",
        )
    actor = Actor(kind=ActorKind.SYSTEM, label=f"dynamic registration by {config.issuer}")
    host = config.issuer.split("://", 1)[-1]
    now = utcnow()
    # Single use: the confirmation (and the invitation) cannot register twice.
    db.session.add(
        UsedNonce(
            nonce=f"registration:{confirmation.confirmation_id}",
            expires_at=now + timedelta(seconds=CONFIRM_MAX_AGE * 2),
        )
    )
    if confirmation.invite_id:
        db.session.add(
            UsedNonce(
                nonce=f"invite:{confirmation.invite_id}", expires_at=now + timedelta(days=3650)
            )
        )
    try:
        platform = add_platform(
            PlatformFields(
                issuer=config.issuer,
                client_id=result.client_id,
                auth_login_url=config.authorization_endpoint,
                auth_token_url=config.token_endpoint,
                key_set_url=config.jwks_uri,
                # Canvas cloud shares one issuer: the client id tells the registrations apart.
                name=f"{config.product_family.capitalize()} at {host} ({result.client_id})"[:200],
                # Canvas's authorization_server is a bare host name it does not accept as the
                # token `aud` (lti.access_tokens.assertion_audience): keep only a URL, and none
                # for Canvas.
                auth_audience=config.authorization_server
                if config.product_family != "canvas"
                and (config.authorization_server or "").startswith(("https://", "http://"))
                else None,
                product_family=config.product_family,
                deployment_policy=policy,
                default_language=language or None,
            ),
            [result.deployment_id] if result.deployment_id else [],
            Actor(kind=ActorKind.SYSTEM, label=actor.label),
        )
    except (RegistrationError, IntegrityError) as exc:
        db.session.rollback()
        raise LtiError(
            "DR_STORE_FAILED",
            _l(
                "Your LMS registered Coproduce as client %(client_id)s (deployment "
                "%(deployment)s), but the tool could not store it: %(reason)s. Add it in the "
                "admin console with issuer %(issuer)s, this client id and the LMS's endpoints "
                "from its configuration.",
                client_id=result.client_id,
                deployment=result.deployment_id or _l("not given"),
                reason=str(exc),
                issuer=config.issuer,
            ),
            409,
        ) from exc
    record(
        actor,
        "registration.completed",
        "platform",
        platform.id,
        platform_id=platform.id,
        configuration=confirmation.config_url,
        deployment_id=result.deployment_id,
        platform_version=config.platform_version,
    )
    db.session.commit()
    return platform, config
