"""Who is asking: the launch token of the current request, resolved to database rows.

The token is trusted only for what it names; every row it names is reloaded and checked to
belong to the token's platform and context, so an id changed in transit finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from lti_tool.auth import launch_token
from lti_tool.auth.launch_token import LaunchClaims, LaunchTokenError
from lti_tool.extensions import db
from lti_tool.models import Context, Membership, Person, ResourceLink, Role

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CurrentLaunch:
    token: str
    claims: LaunchClaims
    person: Person
    role: Role
    context: Context | None
    membership: Membership | None
    resource_link: ResourceLink | None


class AccessDenied(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def token_from_request() -> str | None:
    return launch_token.token_in(request)


def claims_from_request() -> LaunchClaims | None:
    """Verified claims of the request's launch token, cached per request; None when absent.
    Raises LaunchTokenError for a bad or expired token."""
    if "launch_claims" in g:
        return g.launch_claims  # type: ignore[no-any-return]
    token = token_from_request()
    claims = None
    if token:
        claims = launch_token.read(
            token, current_app.config["SECRET_KEY"], current_app.config["LAUNCH_TOKEN_TTL_SECONDS"]
        )
    g.launch_claims = claims
    return claims


def _load(claims: LaunchClaims, token: str) -> CurrentLaunch:
    person = db.session.get(Person, claims.person_id)
    if person is None or person.platform_id != claims.platform_id:
        raise LaunchTokenError("SESSION_INVALID", "Your session no longer matches a user.")
    context = membership = link = None
    if claims.context_id is not None:
        context = db.session.get(Context, claims.context_id)
        membership = (
            db.session.get(Membership, claims.membership_id) if claims.membership_id else None
        )
        if (
            context is None
            or context.platform_id != claims.platform_id
            or membership is None
            or membership.context_id != context.id
            or membership.person_id != person.id
        ):
            raise LaunchTokenError("SESSION_INVALID", "Your session no longer matches a course.")
        if claims.resource_link_id is not None:
            link = db.session.get(ResourceLink, claims.resource_link_id)
            if link is None or link.context_id != context.id:
                raise LaunchTokenError("SESSION_INVALID", "Your session no longer matches a link.")
    return CurrentLaunch(
        token=token,
        claims=claims,
        person=person,
        role=Role(claims.role),
        context=context,
        membership=membership,
        resource_link=link,
    )


def current_launch() -> CurrentLaunch:
    """The current launch, or LaunchTokenError when there is none usable."""
    if "current_launch" in g:
        return g.current_launch  # type: ignore[no-any-return]
    claims = claims_from_request()
    if claims is None:
        raise LaunchTokenError(
            "SESSION_MISSING",
            "This page needs to be opened from your course in the LMS.",
        )
    launch = _load(claims, token_from_request() or "")
    g.current_launch = launch
    return launch


def launch_required(*roles: Role) -> Callable[[F], F]:
    """Require a valid launch token; with roles given, require one of them (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            launch = current_launch()
            if roles and launch.role not in roles:
                raise AccessDenied(
                    "ROLE_FORBIDDEN",
                    "Your role in this course does not give access to this page.",
                    403,
                )
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
