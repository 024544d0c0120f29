"""Template helpers: links and forms that stay inside the launch (see auth.launch_token)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from lti_tool.auth import launch_token
from lti_tool.auth.current import launch_session, token_from_request
from lti_tool.auth.launch_token import LaunchTokenError


def _session_id() -> int | None:
    try:
        session = launch_session()
    except LaunchTokenError:
        return None
    return session.id if session is not None else None


def link_ticket() -> str | None:
    """A fresh single-use link ticket of the current launch (for a GET form's hidden `lt`)."""
    session_id = _session_id()
    if session_id is None:
        return None
    return launch_token.issue_ticket(session_id, current_app.config["SECRET_KEY"])


def launch_url(endpoint: str, **values: Any) -> str:
    """url_for that keeps the current launch: a fresh single-use link ticket, never the
    session token, so the URL is worthless once followed (logs, Referer, history)."""
    ticket = link_ticket()
    if ticket is not None:
        values[launch_token.QUERY_PARAM] = ticket
    return url_for(endpoint, **values)


def launch_fields() -> Markup:
    """Hidden fields every form inside a launch needs: the session token and the CSRF token.
    Forms inside a launch post (a GET form would put the token in the URL)."""
    token = token_from_request()
    # Markup.format escapes every argument.
    csrf = Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())
    if not token:
        return csrf  # a first-party page (console account, sandbox): the cookie session holds it
    return (
        Markup('<input type="hidden" name="{}" value="{}">').format(launch_token.FORM_FIELD, token)
        + csrf
    )


def csp_nonce() -> str:
    """This response's nonce for inline scripts (see lti_tool.headers)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        launch_url=launch_url,
        launch_fields=launch_fields,
        link_ticket=link_ticket,
        launch_token_header=launch_token.HEADER,
        current_launch_token=token_from_request,
        csp_nonce=csp_nonce,
    )
