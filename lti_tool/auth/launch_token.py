"""The launch token: the tool's session inside the LMS iframe, without a third-party cookie.

A signed, expiring token (itsdangerous) that names the launch — person, context, resource link,
role, platform — and carries a per-launch CSRF secret. Pages put it in links (`lt` query
parameter), forms (`launch_token` field) and fetch/htmx calls (`X-Launch-Token` header).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "coproduce.launch-token"
QUERY_PARAM = "lt"
FORM_FIELD = "launch_token"
HEADER = "X-Launch-Token"


@dataclass(frozen=True)
class LaunchClaims:
    platform_id: int
    person_id: int
    context_id: int | None
    membership_id: int | None
    resource_link_id: int | None
    role: str
    csrf_secret: str
    message_type: str
    # An institution or system Administrator of this platform, whatever their course role:
    # opens the admin console for this platform's registration.
    platform_admin: bool = False


class LaunchTokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _RequestLike(Protocol):
    headers: Any
    form: Any
    args: Any
    method: str


def token_in(request: _RequestLike) -> str | None:
    """The launch token from the header, the form, or the query string (in that order)."""
    return (
        request.headers.get(HEADER)
        or (request.form.get(FORM_FIELD) if request.method != "GET" else None)
        or request.args.get(QUERY_PARAM)
    )


def issue(claims: LaunchClaims, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(asdict(claims))


def new_csrf_secret() -> str:
    return secrets.token_hex(16)


def read(token: str, secret_key: str, max_age: int) -> LaunchClaims:
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
        return LaunchClaims(**data)
    except SignatureExpired as exc:
        raise LaunchTokenError(
            "SESSION_EXPIRED",
            "Your session in Coproduce has expired. Open the activity again from your course.",
        ) from exc
    except (BadSignature, TypeError, ValueError) as exc:
        raise LaunchTokenError(
            "SESSION_INVALID",
            "This page's session is not valid. Open the activity again from your course.",
        ) from exc
