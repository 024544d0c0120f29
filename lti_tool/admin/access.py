"""Who may use the admin console.

Two ways in: a console account (signed in at /admin/login; a first-party cookie session, since
the console is opened in its own window) for the whole installation; or a launch by an
institution/system Administrator, limited to the launching platform's registration (carried by
the launch token, so it works inside the LMS iframe too). Everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request, session
from flask_babel import lazy_gettext as _l

from lti_tool.admin.accounts import actor_of, session_user
from lti_tool.admin.audit import Actor
from lti_tool.auth.current import AccessDenied, claims_from_request, current_launch
from lti_tool.extensions import csrf
from lti_tool.models import ActorKind, AdminUser

F = TypeVar("F", bound=Callable[..., Any])
# The cookie names a server-side session (admin_session row), not the account: a copied cookie
# stops working when the session is signed out or the password changes.
SESSION_KEY = "admin_session"


def _console_account() -> AdminUser | None:
    return session_user(session.get(SESSION_KEY))


def current_admin() -> Actor:
    """The acting admin, or AccessDenied (403)."""
    if "admin_actor" in g:
        return g.admin_actor  # type: ignore[no-any-return]
    actor: Actor | None = None
    claims = claims_from_request()  # a bad or expired launch token raises its own 401
    if claims is not None:
        if claims.platform_admin:
            launch = current_launch()
            actor = Actor(
                kind=ActorKind.PERSON,
                id=launch.person.id,
                label=f"{launch.person.display_name} (LMS administrator)",
                platform_id=claims.platform_id,
            )
    else:
        user = _console_account()
        if user is not None:
            actor = actor_of(user)
    if actor is None:
        raise AccessDenied(
            "ADMIN_REQUIRED",
            _l(
                "The admin console is for the tool's administrators and for your LMS's "
                "administrators. Sign in with an admin account, or open Coproduce from your LMS as "
                "an administrator."
            ),
            403,
        )
    g.admin_actor = actor
    return actor


def admin_required(installation: bool = False) -> Callable[[F], F]:
    """Require an admin; with installation=True, one who manages the whole installation."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_admin()
            if installation and not actor.is_installation_admin:
                raise AccessDenied(
                    "ADMIN_INSTALLATION_ONLY",
                    _l(
                        "Only the installation's administrators can do this; "
                        "you manage your own platform's registration."
                    ),
                    403,
                )
            if request.method == "POST":
                csrf.protect()  # raises CSRFError (400) for a missing or wrong token
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
