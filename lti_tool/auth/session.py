"""Flask's session, made safe for pages inside an LMS iframe.

With a launch token present, the session is built from the token (it holds the launch's CSRF
secret) and is never written to a cookie: a third-party cookie would be dropped by browsers that
block them, and Flask-WTF's CSRF check would then fail for no fault of the user. Without a
launch token (the sandbox LMS, later the admin console) it is Flask's ordinary signed cookie.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from lti_tool.auth import launch_token
from lti_tool.auth.launch_token import LaunchTokenError


class LaunchSession(SecureCookieSession):
    """A session derived from the launch token; never saved."""


class LaunchAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        token = launch_token.token_in(request)
        if not token:
            return super().open_session(app, request)
        data: dict[str, Any] = {}
        try:
            claims = launch_token.read(
                token, app.config["SECRET_KEY"], app.config["LAUNCH_TOKEN_TTL_SECONDS"]
            )
            data["csrf_token"] = claims.csrf_secret
        except LaunchTokenError:
            pass  # the view's launch check reports it with its own message
        return LaunchSession(data)

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        if isinstance(session, LaunchSession):
            return
        super().save_session(app, session, response)
