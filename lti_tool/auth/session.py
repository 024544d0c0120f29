"""Flask's session, made safe for pages inside an LMS iframe.

A request that carries a launch credential (the session token in a header or form, or a link
ticket) gets a session built from its launch session row, which holds the launch's CSRF
secret; it is never written to a cookie: a third-party cookie would be dropped by browsers that
block them, and Flask-WTF's CSRF check would then fail for no fault of the user. The row is
read lazily, so resolving it happens inside the request (its errors get their own page).
Without a launch credential (the sandbox LMS, the admin console) it is Flask's ordinary signed
cookie.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

from lti_tool.auth import launch_token

_CSRF_KEY = "csrf_token"


class LaunchSession(SecureCookieSession):
    """A session derived from the launch session row; never saved."""

    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from lti_tool.auth.current import csrf_secret_of_request

        secret = csrf_secret_of_request()
        if secret:
            dict.__setitem__(self, _CSRF_KEY, secret)

    def __contains__(self, key: object) -> bool:
        self._load()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Any:
        self._load()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._load()
        return super().get(key, default)


class LaunchAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not launch_token.has_launch_credential(request):
            return super().open_session(app, request)
        return LaunchSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, LaunchSession):
            return
        super().save_session(app, session, response)
