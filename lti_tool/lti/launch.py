"""Launch validation (LTI 1.3 core 5.1.3; Security Framework 5.1.3).

pylti1p3's own `validate()` keeps the nonce in a server session it never consumes, reads state
from a cookie a cross-site iframe cannot keep, and switches off PyJWT's audience check. We keep
its claim validators and message objects, and do those parts here: RS256 only, our own `aud`
and `azp` checks, exp/iat with a small leeway, single-use nonces across all processes, and the
deployment policy of the registration.
"""

from __future__ import annotations

import binascii
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l
from jwt.api_jws import PyJWS
from jwt.api_jwt import PyJWT
from jwt.exceptions import DecodeError
from jwt.utils import base64url_decode, base64url_encode
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.message_validators import get_validators
from pylti1p3.request import Request
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.errors import LtiError, bad_request, forbidden, unauthorized
from lti_tool.lti.login_state import LoginState
from lti_tool.lti.platform_keys import platform_public_key
from lti_tool.lti.registration_cache import (
    CachedDeployment,
    CachedPlatform,
    cached_deployment,
    cached_platform,
)
from lti_tool.lti.tool_config import DatabaseToolConf
from lti_tool.models import (
    ActorKind,
    Deployment,
    DeploymentPolicy,
    DeploymentStatus,
    Event,
    UsedNonce,
    utcnow,
)
from lti_tool.models.upsert import Prepared, dialect_insert

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LaunchSettings:
    keys_dir: Path
    leeway: int
    jwks_ttl: int
    http_timeout: int
    nonce_ttl: int


@dataclass
class VerifiedLaunch:
    """A launch whose id_token passed every check; nothing has been written for it yet."""

    platform: CachedPlatform
    # A snapshot of the stored row, or the row this launch adds (policy 'accept': no id until
    # the launch's first flush).
    deployment: CachedDeployment | Deployment
    claims: dict[str, Any]
    header: dict[str, Any]
    keys_dir: Path

    def pylti_message(self) -> MessageLaunch[Any, Any, Any, Any]:
        """pylti1p3's view of this launch, for deep linking responses and service calls. Built on
        demand: it needs the tool's private key, which a plain launch does not."""
        tool_conf = DatabaseToolConf(self.keys_dir)
        message = _VerifiedMessageLaunch(
            _NoRequest(), tool_conf, session_service=object(), cookie_service=object()
        )
        message.set_auto_validation(enable=False).set_jwt(
            {"body": self.claims, "header": self.header}  # type: ignore[typeddict-item]
        )
        message._validated = True  # validated by verify_launch
        message._registration = tool_conf.find_registration_by_params(
            self.platform.issuer, self.platform.client_id
        )
        return message

    @property
    def message_type(self) -> str:
        return str(self.claims[claims.MESSAGE_TYPE])

    @property
    def is_deep_link(self) -> bool:
        return self.message_type == claims.DEEP_LINKING_REQUEST

    @property
    def is_submission_review(self) -> bool:
        return self.message_type == claims.SUBMISSION_REVIEW_REQUEST

    @property
    def nonce(self) -> str:
        return str(self.claims["nonce"])


class _NoRequest(Request):
    """pylti1p3 wants a request object; a verified launch no longer reads one."""

    @property
    def session(self) -> None:
        return None

    def is_secure(self) -> bool:
        return True

    def get_param(self, key: str) -> str:
        return ""


class _VerifiedMessageLaunch(MessageLaunch[Any, Any, Any, Any]):
    """pylti1p3's MessageLaunch over claims we have already verified."""

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)


_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _JWS(PyJWS):
    """PyJWS with its strict segment check (GHSA-hxm8-2xgr-2p9m: only the base64url
    alphabet, at most two '=' of padding, the canonical encoding) done by one regular
    expression instead of a Python loop over each byte, which cost more than the RSA check on
    an id_token's 1,500 characters. The same rules and errors; everything else is PyJWT's."""

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if padding > 2 or (padding and len(segment) % 4 != 0):
            raise DecodeError(f"Invalid {name} padding")
        if len(stripped) % 4 == 1 or not _BASE64URL.fullmatch(stripped):
            raise DecodeError(f"Invalid {name} padding")
        try:
            decoded = base64url_decode(stripped)
        except (TypeError, binascii.Error) as err:
            raise DecodeError(f"Invalid {name} padding") from err
        if base64url_encode(decoded) != stripped:
            raise DecodeError(f"Invalid {name} padding")
        return decoded


class _JWT(PyJWT):
    def __init__(self) -> None:
        super().__init__()
        self._jws = _JWS(algorithms=["RS256"], options=self._get_sig_options())


_ID_TOKEN = _JWT()
_REQUIRED = {"require": ["exp", "iat", "iss", "aud", "nonce"]}


def _malformed(cause: str) -> LtiError:
    return bad_request("TOKEN_MALFORMED", _l("The LMS sent a launch this tool cannot read."), cause)


def _split(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims, unverified (they name the registration whose key verifies them).
    Parsed here in one pass: PyJWT's get_unverified_header plus an unverified decode parse the
    token twice more than the verified decode will, which cost more than the RSA check."""
    try:
        signing_input, _, _signature = id_token.rpartition(".")
        header_segment, _, payload_segment = signing_input.partition(".")
        header = json.loads(base64url_decode(header_segment))
        body = json.loads(base64url_decode(payload_segment))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise _malformed(f"invalid segments: {exc}") from exc
    if not isinstance(header, dict):
        raise _malformed("header is not an object")
    if not isinstance(body, dict):
        raise _malformed("payload is not an object")
    # Before any lookup: PostgreSQL refuses NUL in a query parameter (an iss with one was a 500).
    if _has_nul(body) or _has_nul(header):
        raise bad_request(
            "CLAIM_INVALID", _l("The launch contains characters that cannot be stored.")
        )
    return header, body


def _client_id(body: dict[str, Any]) -> str:
    """Our client_id as the token states it: azp when given, else the single audience."""
    aud = body.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if (
        not isinstance(audiences, list)
        or not audiences
        or not all(isinstance(a, str) for a in audiences)
    ):
        raise unauthorized("AUDIENCE_MISSING", _l("The launch does not say which tool it is for."))
    azp = body.get("azp")
    if azp is not None:
        return str(azp)
    if len(audiences) > 1:
        raise unauthorized(
            "AZP_MISSING",
            _l("The launch names several tools but not which one it is for."),
            f"aud={audiences!r}",
        )
    return audiences[0]


def _registration(body: dict[str, Any], state: LoginState) -> CachedPlatform:
    iss = body.get("iss")
    if not isinstance(iss, str) or not iss:
        raise unauthorized("ISSUER_MISSING", _l("The launch does not say which LMS sent it."))
    client_id = _client_id(body)
    platform = cached_platform(iss, client_id)
    if platform is None:
        raise unauthorized(
            "REGISTRATION_UNKNOWN",
            _l(
                "This launch comes from an LMS registration Coproduce does not know. "
                "(On Moodle, a resource key or password on the activity changes this; remove it.)"
            ),
            f"iss={iss!r} client_id={client_id!r}",
        )
    if platform.id != state.platform_id:
        raise unauthorized(
            "ISSUER_MISMATCH",
            _l("The launch comes from a different LMS than the one that started the sign-in."),
            f"state platform {state.platform_id}, token platform {platform.id}",
        )
    if not platform.is_active:
        raise forbidden(
            "PLATFORM_DISABLED",
            _l("Coproduce has been disabled for this LMS by its administrator."),
            f"platform {platform.id}",
        )
    return platform


def _verify_signature(
    id_token: str, header: dict[str, Any], platform: CachedPlatform, settings: LaunchSettings
) -> dict[str, Any]:
    # Only RS256 (Security Framework 5.1.3 step 6): 'none' and HMAC with the public key are the
    # classic JWT forgeries.
    if header.get("alg") != "RS256":
        raise unauthorized(
            "ALG_NOT_ALLOWED",
            _l("The launch was signed in a way this tool does not accept."),
            f"alg={header.get('alg')!r}",
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise unauthorized("KID_MISSING", _l("The launch does not say which key signed it."))
    public_key = platform_public_key(
        platform.key_set_url, kid, ttl=settings.jwks_ttl, timeout=settings.http_timeout
    )
    try:
        return _ID_TOKEN.decode(
            id_token,
            public_key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=settings.leeway,
            options=_REQUIRED,  # type: ignore[arg-type]
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized(
            "TOKEN_EXPIRED",
            _l("The launch expired before it reached the tool. Please launch again."),
            str(exc),
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        raise unauthorized(
            "TOKEN_NOT_YET_VALID",
            _l("The launch is dated in the future; the LMS's clock may be wrong."),
            str(exc),
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise unauthorized(
            "AUDIENCE_MISMATCH", _l("The launch was meant for a different tool."), str(exc)
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise unauthorized(
            "ISSUER_MISMATCH", _l("The launch's issuer is wrong."), str(exc)
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise bad_request(
            "CLAIM_MISSING",
            _l("The launch lacks the required '%(claim)s' claim.", claim=exc.claim),
            str(exc),
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise unauthorized(
            "SIGNATURE_INVALID",
            _l("The launch's signature does not match; it may have been altered."),
            str(exc),
        ) from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise unauthorized(
            "TOKEN_INVALID", _l("The launch could not be verified."), str(exc)
        ) from exc


def _check_azp(body: dict[str, Any], platform: CachedPlatform) -> None:
    azp = body.get("azp")
    aud = body.get("aud")
    if azp is not None and azp != platform.client_id:
        raise unauthorized("AZP_MISMATCH", _l("The launch was authorised for a different tool."))
    if isinstance(aud, list) and len(aud) > 1 and azp is None:
        raise unauthorized("AZP_MISSING", _l("The launch names several tools but not which one."))


def _check_nonce(body: dict[str, Any], state: LoginState) -> None:
    nonce = body.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise bad_request("NONCE_MISSING", _l("The launch carries no nonce."))
    if nonce != state.nonce:
        raise unauthorized(
            "NONCE_MISMATCH", _l("The launch does not belong to the sign-in this browser started.")
        )
    # Whether it was used before is decided by consume_nonce, by the unique index alone.


# Claims that end up in columns or lookups: their type and length are checked before anything
# reads them, so a signed but odd token (a list where a string belongs, an id longer than the
# column) is a 400 rather than an error half-way through provisioning.
_STRING_CLAIMS: dict[str, int] = {
    "sub": 255,
    claims.MESSAGE_TYPE: 100,
    claims.VERSION: 20,
    claims.DEPLOYMENT_ID: 255,
}
_OBJECT_CLAIMS_WITH_ID: tuple[str, ...] = (claims.CONTEXT, claims.RESOURCE_LINK)
_MAX_CLAIMS_CHARS = 256 * 1024


def _has_nul(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return True  # nesting no platform sends; refuse rather than recurse further
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def _check_shapes(body: dict[str, Any]) -> None:
    """Types and sizes of the claims we store (LTI core 5.3/5.4 give them as strings)."""
    sub = body.get("sub")
    if not isinstance(sub, str) or not sub:
        # Anonymous launches (no sub) are allowed by the spec but Coproduce needs a person.
        raise bad_request("CLAIM_MISSING", _l("The launch does not say who the user is."))
    for name, limit in _STRING_CLAIMS.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise bad_request(
                "CLAIM_INVALID",
                _l("The launch contains information in a form this tool cannot read."),
                f"{name} is {type(value).__name__} of length {len(str(value))}",
            )
    for name in _OBJECT_CLAIMS_WITH_ID:
        value = body.get(name)
        if value is None:
            continue
        ident = value.get("id") if isinstance(value, dict) else None
        if not isinstance(ident, str) or not ident or len(ident) > 255:
            raise bad_request(
                "CLAIM_INVALID",
                _l("The launch contains information in a form this tool cannot read."),
                f"{name} must be an object with a string id",
            )
    if len(str(body)) > _MAX_CLAIMS_CHARS:
        raise bad_request("CLAIM_INVALID", _l("The launch is larger than this tool accepts."))


def _check_message(body: dict[str, Any]) -> str:
    version = body.get(claims.VERSION)
    if version != claims.LTI_VERSION:
        raise bad_request(
            "VERSION_UNSUPPORTED",
            _l("The LMS sent an LTI version this tool does not speak."),
            f"version={version!r}",
        )
    message_type = body.get(claims.MESSAGE_TYPE)
    if not isinstance(message_type, str) or message_type not in claims.SUPPORTED_MESSAGE_TYPES:
        raise bad_request(
            "MESSAGE_TYPE_UNSUPPORTED",
            _l("The LMS asked for something this tool does not offer here."),
            f"message_type={message_type!r}",
        )
    for validator in get_validators():
        if validator.can_validate(body):
            try:
                validator.validate(body)
            except LtiException as exc:
                raise bad_request(
                    "CLAIM_MISSING",
                    _l("The launch is missing information the tool needs."),
                    str(exc),
                ) from exc
            except (AttributeError, TypeError, KeyError, ValueError) as exc:
                # pylti1p3's validators assume the claims' shapes; odd ones raise plain errors.
                raise bad_request(
                    "CLAIM_INVALID",
                    _l("The launch contains information in a form this tool cannot read."),
                    repr(exc),
                ) from exc
    roles = body.get(claims.ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise bad_request("CLAIM_MISSING", _l("The launch's roles are not a list."))
    _check_shapes(body)
    return message_type


def _deployment(body: dict[str, Any], platform: CachedPlatform) -> CachedDeployment | Deployment:
    deployment_id = body.get(claims.DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id:
        raise bad_request(
            "DEPLOYMENT_MISSING", _l("The launch does not say which deployment sent it.")
        )
    deployment = cached_deployment(platform, deployment_id)
    if deployment is None:
        if platform.deployment_policy == DeploymentPolicy.ACCEPT:
            accepted = Deployment(
                platform_id=platform.id,
                deployment_id=deployment_id,
                status=DeploymentStatus.ACTIVE,
                seen_first_in_launch=True,
            )
            db.session.add(accepted)  # committed with the launch, never on its own
            log.info(
                "deployment %r of platform %s accepted on first launch", deployment_id, platform.id
            )
            return accepted
        _hold(platform, deployment_id)
        raise LtiError(
            "DEPLOYMENT_UNKNOWN",
            _l(
                "This installation of Coproduce in your LMS has not been approved yet. "
                "Your LMS administrator can approve it in Coproduce's admin console."
            ),
            403,
            f"platform {platform.id} deployment {deployment_id!r} held as pending",
        )
    if deployment.status == DeploymentStatus.PENDING:
        raise forbidden(
            "DEPLOYMENT_PENDING",
            _l(
                "This installation of Coproduce in your LMS is waiting for approval. "
                "Your LMS administrator can approve it in Coproduce's admin console."
            ),
            f"deployment {deployment.id} is pending",
        )
    if deployment.status != DeploymentStatus.ACTIVE:
        raise forbidden(
            "DEPLOYMENT_INACTIVE",
            _l("This installation of Coproduce has been deactivated by your LMS administrator."),
            f"deployment {deployment.id} is {deployment.status}",
        )
    return deployment


def _hold(platform: CachedPlatform, deployment_id: str) -> None:
    """Record an unknown deployment as pending, for the admin to activate (the 'hold' policy).

    Committed on its own, though the launch itself fails: it is the admin's to-do, not part of
    the launch. Validation runs before anything of the launch is added to the session.
    """
    if len(deployment_id) > 255:
        return
    db.session.add(
        Deployment(
            platform_id=platform.id,
            deployment_id=deployment_id,
            status=DeploymentStatus.PENDING,
            seen_first_in_launch=True,
        )
    )
    db.session.add(
        Event(
            actor_kind=ActorKind.SYSTEM,
            actor_label="Coproduce",
            platform_id=platform.id,
            verb="deployment.held",
            object_type="deployment",
            object_id=deployment_id,
            data={},
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another launch recorded it first


def verify_launch(
    id_token: str | None, state: LoginState, settings: LaunchSettings
) -> VerifiedLaunch:
    """Every check of the id_token, in the order the Security Framework gives; writes nothing
    except a refreshed cache of the platform's public keys."""
    if not id_token:
        raise bad_request("TOKEN_MISSING", _l("The LMS sent the launch without its id_token."))
    header, unverified = _split(id_token)
    platform = _registration(unverified, state)
    body = _verify_signature(id_token, header, platform, settings)
    _check_azp(body, platform)
    _check_nonce(body, state)
    _check_message(body)
    deployment = _deployment(body, platform)
    return VerifiedLaunch(
        platform=platform,
        deployment=deployment,
        claims=body,
        header=header,
        keys_dir=settings.keys_dir,
    )


def nonce_insert(session: Any) -> Any:
    """`INSERT INTO used_nonce ... ON CONFLICT (nonce) DO NOTHING RETURNING id`, with bind
    parameters nonce_parameters() fills. No row back: the nonce was used before."""
    return (
        dialect_insert(session, UsedNonce.__table__)
        .values(
            nonce=bindparam("nonce"),
            platform_id=bindparam("platform_id"),
            expires_at=bindparam("expires_at"),
            created_at=bindparam("created_at"),
        )
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(UsedNonce.__table__.c.id)
    )


_CONSUME_NONCE = Prepared(nonce_insert)


def nonce_parameters(launch: VerifiedLaunch, ttl_seconds: int) -> dict[str, Any]:
    now = utcnow()
    return {
        "nonce": launch.nonce,
        "platform_id": launch.platform.id,
        "expires_at": now + timedelta(seconds=ttl_seconds),
        "created_at": now,
    }


def nonce_replayed() -> LtiError:
    return unauthorized(
        "NONCE_REPLAYED",
        _l("This launch has already been used. Please launch the tool again from your course."),
    )


def consume_nonce(launch: VerifiedLaunch, ttl_seconds: int) -> None:
    """Record the nonce as used, in the launch's transaction, or refuse the launch as a replay.

    One statement and no read first: the unique index on `used_nonce.nonce` decides. A replay
    after the first launch committed inserts nothing; a replay racing it waits on the index
    (PostgreSQL) until the first commits and then inserts nothing, or goes ahead if the first
    rolled back. (On PostgreSQL a returning student's launch runs this same insert inside its
    one read instead: auth.provisioning.)
    """
    # On the connection: Session.execute's ORM bookkeeping costs more than this statement.
    inserted = (
        db.session.connection()
        .execute(_CONSUME_NONCE(db.session), nonce_parameters(launch, ttl_seconds))
        .first()
    )
    if inserted is None:
        raise nonce_replayed()
