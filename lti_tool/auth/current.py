"""Who is asking: the request's launch session, resolved against current database rows.

The session names a launch (person, course, link); what that person may do is read on every
request from rows as they are now: the role from the membership (a later launch with a lower
role demotes at once), a Mentor's scope from the membership's mentees. Every row is checked to
belong to the session's platform and course, so an id changed in transit finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from lti_tool.auth import launch_token, sessions
from lti_tool.auth.launch_token import LaunchClaims, LaunchTokenError
from lti_tool.auth.roles import is_platform_admin
from lti_tool.extensions import db
from lti_tool.models import Context, LaunchSession, Membership, Person, ResourceLink, Role

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
    session_id: int = 0
    # For a Mentor: the `sub`s of the people they may see; empty for everyone else.
    mentee_subs: frozenset[str] = field(default_factory=frozenset)


class AccessDenied(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def launch_session() -> LaunchSession | None:
    """The request's live session (cached per request); None when the request carries no
    launch credential. Raises LaunchTokenError for a bad, spent or expired one."""
    if "launch_session" in g:
        return g.launch_session  # type: ignore[no-any-return]
    session = None
    token = launch_token.session_token_in(request)
    ticket = launch_token.ticket_in(request)
    if token:
        session = sessions.session_for_token(token, _secret())
    elif ticket:
        session = sessions.redeem_ticket(
            ticket,
            _secret(),
            current_app.config["LINK_TICKET_TTL_SECONDS"],
            request.cookies,
        )
    g.launch_session = session
    return session


def token_from_request() -> str | None:
    """The session token of the current request, for the page to carry on (never in a URL)."""
    try:
        session = launch_session()
    except LaunchTokenError:
        return None
    return sessions.token_of(session, _secret()) if session is not None else None


def csrf_secret_of_request() -> str | None:
    try:
        session = launch_session()
    except LaunchTokenError:
        return None  # the view's launch check reports it with its own message
    return session.csrf_secret if session is not None else None


def _invalid(message: object) -> LaunchTokenError:
    return LaunchTokenError("SESSION_INVALID", message)  # type: ignore[arg-type]


def _load(session: LaunchSession) -> CurrentLaunch:
    person = db.session.get(Person, session.person_id)
    if person is None or person.platform_id != session.platform_id:
        raise _invalid(_l("Your session no longer matches a user."))
    context = membership = link = None
    mentees: frozenset[str] = frozenset()
    if session.context_id is not None:
        context = db.session.get(Context, session.context_id)
        membership = (
            db.session.get(Membership, session.membership_id) if session.membership_id else None
        )
        if (
            context is None
            or context.platform_id != session.platform_id
            or membership is None
            or membership.context_id != context.id
            or membership.person_id != person.id
        ):
            raise _invalid(_l("Your session no longer matches a course."))
        role = Role(membership.role)
        platform_admin = is_platform_admin(membership.raw_roles or [])
        if role == Role.MENTOR:
            mentees = frozenset(str(s) for s in membership.mentee_subs or [])
        if session.resource_link_id is not None:
            link = db.session.get(ResourceLink, session.resource_link_id)
            if link is None or link.context_id != context.id:
                raise _invalid(_l("Your session no longer matches a link."))
    else:
        # No course, so no membership to read: only an administrator's launch gets here
        # (web.launch refuses other course-less launches).
        role = Role(session.courseless_role or Role.STUDENT)
        platform_admin = session.courseless_platform_admin
    claims = LaunchClaims(
        platform_id=session.platform_id,
        person_id=person.id,
        context_id=session.context_id,
        membership_id=session.membership_id,
        resource_link_id=session.resource_link_id,
        role=role.value,
        csrf_secret=session.csrf_secret,
        message_type=session.message_type,
        platform_admin=platform_admin,
    )
    return CurrentLaunch(
        token=sessions.token_of(session, _secret()),
        claims=claims,
        person=person,
        role=role,
        context=context,
        membership=membership,
        resource_link=link,
        session_id=session.id,
        mentee_subs=mentees,
    )


def claims_from_request() -> LaunchClaims | None:
    """The current launch's authority, or None when the request carries no launch credential.
    Raises LaunchTokenError for a bad or expired one."""
    if launch_session() is None:
        return None
    return current_launch().claims


def current_launch() -> CurrentLaunch:
    """The current launch, or LaunchTokenError when there is none usable."""
    if "current_launch" in g:
        return g.current_launch  # type: ignore[no-any-return]
    session = launch_session()
    if session is None:
        raise LaunchTokenError(
            "SESSION_MISSING",
            _l("This page needs to be opened from your course in the LMS."),
        )
    launch = _load(session)
    g.current_launch = launch
    return launch


def launch_required(*roles: Role) -> Callable[[F], F]:
    """Require a valid launch; with roles given, require one of them (403 otherwise). Without
    roles every role passes, a Mentor too: such a view must scope what it shows itself."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            launch = current_launch()
            if roles and launch.role not in roles:
                raise AccessDenied(
                    "ROLE_FORBIDDEN",
                    _l("Your role in this course does not give access to this page."),
                    403,
                )
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
