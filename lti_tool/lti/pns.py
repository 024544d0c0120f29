"""LTI Platform Notification Service 1.0 (1EdTech, https://www.imsglobal.org/spec/lti-pns/v1p0/main):
the notice handler's registration and the verification of the notices a platform posts to it.

What we follow (canvas-lms doc/api/pns.md, the Canvas implementation):
- Every launch advertises the service in the `platformnotificationservice` claim
  (`platform_notification_service_url`, `notice_types_supported`, `service_versions`, `scope`).
- The tool registers its handler with `PUT <service url>` and JSON
  `{"notice_type": ..., "handler": <url>}`, with an LTI Advantage token for the
  `noticehandlers` scope; one handler per notice type; the handler must be public, on the
  tool's domain.
- The platform POSTs `{"notices": [{"jwt": ...}, ...]}`; each JWT is signed with the platform's
  key (its JWKS) and carries `iss`, `aud` (our client_id), `exp`, `iat`, the deployment id and the
  `notice` claim `{id, timestamp, type}`. Canvas does not retry a notice: answer fast.
- `LtiContextCopyNotice`: `context` is the new course, `origin_contexts` lists the course(s) it
  was copied from.

Nothing here writes: `lti_tool.web.notices` stores the verified notices (a replayed token id is
refused there) and a job processes them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jwt
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.errors import LtiError, bad_request, unauthorized
from lti_tool.lti.platform_keys import platform_public_key
from lti_tool.lti.services import PlatformClient, PlatformRef, ServiceError
from lti_tool.models import Platform, PlatformStatus

log = logging.getLogger(__name__)

SERVICE_CLAIM: Final = claims.LTI + "platformnotificationservice"
NOTICE_CLAIM: Final = claims.LTI + "notice"
ORIGIN_CONTEXTS_CLAIM: Final = claims.LTI + "origin_contexts"
SCOPE_NOTICE_HANDLERS: Final = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
CONTEXT_COPY_NOTICE: Final = "LtiContextCopyNotice"
HELLO_WORLD_NOTICE: Final = "LtiHelloWorldNotice"
# The notice types this tool handles; a platform's others are acknowledged and ignored.
HANDLED_NOTICE_TYPES: Final = frozenset({CONTEXT_COPY_NOTICE, HELLO_WORLD_NOTICE})
MAX_NOTICES_PER_POST: Final = 100  # Canvas's `max_batch_size` default is 100


@dataclass(frozen=True)
class NoticeService:
    url: str
    notice_types: tuple[str, ...]

    @classmethod
    def from_claims(cls, body: Mapping[str, Any]) -> NoticeService | None:
        claim = body.get(SERVICE_CLAIM)
        if not isinstance(claim, Mapping):
            return None
        url = claim.get("platform_notification_service_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return None
        types = claim.get("notice_types_supported")
        kinds = tuple(t for t in types if isinstance(t, str)) if isinstance(types, list) else ()
        return cls(url=url, notice_types=kinds)


@dataclass(frozen=True)
class VerifiedNotice:
    platform_id: int
    deployment_id: str
    notice_id: str
    notice_type: str
    token_id: str
    claims: dict[str, Any]

    @property
    def context_id(self) -> str | None:
        context = self.claims.get(claims.CONTEXT)
        value = context.get("id") if isinstance(context, Mapping) else None
        return str(value) if value else None

    @property
    def origin_contexts(self) -> tuple[str, ...]:
        origins = self.claims.get(ORIGIN_CONTEXTS_CLAIM)
        if not isinstance(origins, list):
            return ()
        return tuple(str(o) for o in origins if isinstance(o, str | int) and str(o))


def _platform(body: Mapping[str, Any]) -> Platform:
    """The registration the notice is for: (iss, aud) as for a launch; several audiences need
    `azp` to say which is ours."""
    issuer = body.get("iss")
    aud = body.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    azp = body.get("azp")
    if len(audiences) > 1 and not isinstance(azp, str):
        raise unauthorized("AZP_MISSING", "The notice names several tools but not which one.")
    candidates = [azp] if isinstance(azp, str) else audiences
    if not isinstance(issuer, str) or not candidates:
        raise unauthorized("NOTICE_UNKNOWN_TOOL", "The notice does not name a known registration.")
    platform = db.session.scalars(
        select(Platform).where(
            Platform.issuer == issuer,
            Platform.client_id.in_([str(c) for c in candidates]),
            Platform.status == PlatformStatus.ACTIVE,
        )
    ).first()
    if platform is None:
        raise unauthorized(
            "NOTICE_UNKNOWN_TOOL",
            "The notice is not meant for a registration of this tool.",
            f"iss={issuer!r} aud={aud!r}",
        )
    return platform


def verify_notice(token: Any, *, leeway: int, jwks_ttl: int, timeout: int) -> VerifiedNotice:
    """One notice JWT checked as a launch is (Security Framework 5.1.3): RS256 with a key of the
    platform's JWKS, our client_id in `aud`, the issuer, `exp`/`iat`; then the notice claim."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise bad_request("NOTICE_MALFORMED", "A notice is not a signed JWT.")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise bad_request("NOTICE_MALFORMED", "A notice is not a signed JWT.", str(exc)) from exc
    if header.get("alg") != "RS256":
        raise unauthorized("ALG_NOT_ALLOWED", "The notice is not signed with RS256.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise unauthorized("KID_MISSING", "The notice does not say which key signed it.")
    platform = _platform(unverified)
    key = platform_public_key(platform.key_set_url, kid, ttl=jwks_ttl, timeout=timeout)
    try:
        body: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=leeway,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.InvalidAudienceError as exc:
        raise unauthorized(
            "AUDIENCE_MISMATCH", "The notice was meant for a different tool.", str(exc)
        ) from exc
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("TOKEN_EXPIRED", "The notice has expired.", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("NOTICE_INVALID", "The notice could not be verified.", str(exc)) from exc
    notice = body.get(NOTICE_CLAIM)
    if not isinstance(notice, Mapping):
        raise bad_request("NOTICE_CLAIM_MISSING", "The JWT carries no notice claim.")
    notice_id, notice_type = notice.get("id"), notice.get("type")
    deployment_id = body.get(claims.DEPLOYMENT_ID)
    if not all(isinstance(v, str) and v for v in (notice_id, notice_type, deployment_id)):
        raise bad_request("NOTICE_CLAIM_MISSING", "The notice lacks its id, type or deployment.")
    # The token's own id for replay: `jti` where the platform sends one, else its `nonce`
    # (Canvas sends a nonce and no jti), else the notice id itself.
    token_id = next(
        (str(body[k]) for k in ("jti", "nonce") if isinstance(body.get(k), str) and body[k]),
        str(notice_id),
    )
    return VerifiedNotice(
        platform_id=platform.id,
        deployment_id=str(deployment_id),
        notice_id=str(notice_id)[:255],
        notice_type=str(notice_type)[:100],
        token_id=token_id[:255],
        claims=body,
    )


def notice_tokens(document: Any) -> list[Any]:
    """The JWTs of a handler POST's body `{"notices": [{"jwt": ...}]}`."""
    notices = document.get("notices") if isinstance(document, Mapping) else None
    if not isinstance(notices, list) or not notices:
        raise bad_request("NOTICES_MISSING", "The body carries no notices.")
    if len(notices) > MAX_NOTICES_PER_POST:
        raise LtiError("NOTICES_TOO_MANY", "Too many notices in one request.", 413)
    return [n.get("jwt") if isinstance(n, Mapping) else None for n in notices]


def register_handler(
    platform: PlatformRef,
    service_url: str,
    notice_type: str,
    handler_url: str,
    *,
    keys_dir: Path,
    timeout: float,
) -> None:
    """PUT our handler for `notice_type` on the platform's notification service; raises
    ServiceError when the platform refuses."""
    client = PlatformClient(platform, [SCOPE_NOTICE_HANDLERS], keys_dir=keys_dir, timeout=timeout)
    client.call(
        "PUT",
        service_url,
        accept="application/json",
        content_type="application/json",
        body={"notice_type": notice_type, "handler": handler_url},
    )


__all__ = [
    "CONTEXT_COPY_NOTICE",
    "NoticeService",
    "ServiceError",
    "VerifiedNotice",
    "notice_tokens",
    "register_handler",
    "verify_notice",
]
